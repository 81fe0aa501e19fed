/* A service for scripts/bench/supervise.sh: as soon as it runs, it writes
 * the time (Unix nanoseconds, decimal) into ./started (through a rename, so
 * that a reader never sees half of it), then waits to be killed. Static and
 * without stdio, so that little happens between exec and the clock read. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec t;
	char buf[32];
	int fd, n;

	clock_gettime(CLOCK_REALTIME, &t);
	n = snprintf(buf, sizeof buf, "%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
	fd = open("started.new", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, n) != n || close(fd) != 0 || rename("started.new", "started") != 0)
		return 111;
	for (;;)
		pause();
}
