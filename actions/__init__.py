"""The action server: custom actions that read the content catalogue."""
