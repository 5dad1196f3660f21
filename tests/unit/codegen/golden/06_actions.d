#pragma D option quiet
#pragma D option destructive
BEGIN
{
	printf("%d %s\n", 1, "two");
	this->buf = alloca(8);
	tracemem(this->buf, 8);
	stack();
	stack(5);
	ustack();
	ustack(3, 100);
	setopt("quiet");
	setopt("bufsize", "4m");
	raise(9);
	system("echo %d", 5);
	chill(100);
	stop();
}
BEGIN
{
	spec = speculation();
}
BEGIN
/spec/
{
	speculate(spec);
	printf("spec\n");
}
BEGIN
{
	commit(spec);
}
BEGIN
{
	discard(spec);
	exit(0);
}
