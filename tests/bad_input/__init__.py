"""Table-driven bad-input conformance suite (issue 15): every public object of every
``__all__`` has a catalogue entry; every callable is called with one argument corrupted at a
time and must refuse with a documented error naming the argument or column."""
