syscall::read:entry
/pid != 0 && arg0 == 1/
{
	trace(arg2);
	trace(args[0]);
	trace(curthread);
	trace(timestamp);
	trace(vmname);
	trace(hostid);
	trace(copyinstr(arg1));
	trace(uregs[0]);
}
