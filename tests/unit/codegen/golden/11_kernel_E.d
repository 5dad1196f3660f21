// -E
BEGIN
{
	trace(curthread->pid);
	trace(curthread->comm);
	trace(((struct task_struct *)curthread)->real_parent->tgid);
	self->p = curthread->real_parent;
	trace(((struct task_struct *)arg0)[1].pid);
	trace(curthread->comm[1]);
	exit(0);
}
