int g;
BEGIN
{
	g = 3;
	self->t = g + 1;
	this->l = self->t * 2;
	a["key", 2] = this->l;
	s = "hello";
	trace(a["key", 2]);
	trace(s);
	self->t = 0;
}
