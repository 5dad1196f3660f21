BEGIN
{}
tick-1s,
profile:::tick-2s
/cpu == 0/
