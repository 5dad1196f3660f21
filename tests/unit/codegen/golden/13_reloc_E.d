// -E
/* relocations: nested members folded into one dotted offsetof, sizeof and
 * offsetof of kernel types, user addresses (uuload) */
BEGIN
{
	trace(curthread->cred->uid.val);
	trace(curthread->se.vruntime);
	trace(&curthread->se.vruntime);
	trace(sizeof(struct task_struct));
	trace(offsetof(struct task_struct, comm));
	this->p = (struct task_struct *)alloca(sizeof(struct cred));
	trace(((userland struct __kernel_timespec *)arg0)->tv_nsec);
	trace(((struct __kernel_timespec * userland)arg1)->tv_sec);
	exit(0);
}
