BEGIN
/1/
{
	x = 1;
	if (x > 0) {
		trace("pos");
		if (x > 5)
			trace("big");
	} else {
		trace("neg");
	}
	trace("done");
	exit(0);
}
