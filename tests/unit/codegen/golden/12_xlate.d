struct in {
	int a;
	char name[8];
};
struct out {
	int x;
	long y;
};
translator struct out < struct in *p > {
	x = p->a;
	y = p->a * 2;
};
BEGIN
{
	this->p = (struct in *)alloca(sizeof (struct in));
	this->p->a = 21;
	trace(xlate<struct out>(this->p).y);
	trace(xlate<struct out *>(this->p)->x);
	this->o = xlate<struct out>(this->p);
	exit(0);
}
