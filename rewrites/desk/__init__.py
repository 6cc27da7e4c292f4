"""The review screens: the queue, the workspace and the actions editors take there."""
