BEGIN
{
	x = 7;
	u = (unsigned int)x;
	trace(x / 2);
	trace(u / 2);
	trace(x % 3);
	trace(x >> 1);
	trace(u >> 1);
	trace(x < 3);
	trace(u < 3);
	trace(x == 7 && u != 2);
	trace(x > 9 || u <= 1);
	trace(x ^^ u);
	trace(!x);
	trace(-x);
	trace(~x);
	trace(x ? 1 : 2);
	trace((char)x);
	trace((unsigned char)x);
	trace((short)x);
	trace((long)(int)x);
	x++;
	++x;
	x--;
	x += 5;
	x <<= 2;
	exit(0);
}
