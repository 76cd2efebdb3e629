"""Input channels: Rasa's channels with the input checks and fixes this project needs."""
