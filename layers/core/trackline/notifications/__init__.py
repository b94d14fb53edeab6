"""What a tracking change means for the people and systems that follow it: change detection,
the events it produces, and the messages customers receive."""
