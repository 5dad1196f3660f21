BEGIN
{
	@c = count();
	@s[execname] = sum(10);
	@q["a", 1] = quantize(5);
	@l = lquantize(3, 0, 10, 2);
	@ll = llquantize(7, 10, 0, 6, 10);
	@m[pid] = max(timestamp);
	@a = avg(2);
}
BEGIN
{
	printa(@c);
	printa("%s %@d\n", @s);
	trunc(@s, 5);
	clear(@c);
	normalize(@a, 2);
	denormalize(@a);
	exit(0);
}
