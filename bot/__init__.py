"""The Value of Co-Production assistant: launcher, channels, NLU components and tools."""
