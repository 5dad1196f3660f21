struct foo {
	int a;
	char b;
	unsigned int c : 3;
	int d : 5;
	long e;
	char name[8];
};
struct foo f;
BEGIN
{
	f.a = 1;
	f.c = 5;
	f.d = -2;
	trace(f.a);
	trace(f.b);
	trace(f.c);
	trace(f.d);
	trace(f.name);
	p = (struct foo *)alloca(sizeof (struct foo));
	p->e = 9;
	trace(p->e);
	trace(p->name[2]);
	trace(*(int *)p);
	trace(&p->e);
	exit(0);
}
