/* throttle-server.c — the HTTP server of the throttling tests and
 * benchmarks: on 127.0.0.1, it serves at most K requests at once, each
 * answered 200 after T ms, and answers 429 at once to a request that
 * arrives while K are being served. It is bounded: it stops by itself
 * after answering N requests or after S seconds (or on SIGTERM), and then
 * writes what it saw to the stats file:
 *
 *   requests 300
 *   ok 290
 *   throttled 10
 *   peak 6          (the most served at once)
 *
 * Usage: throttle-server K T_MS N S PORTFILE STATSFILE
 * It writes the port it listens on to PORTFILE once it is ready. One
 * process, one poll() loop: no threads, nothing beyond libc. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNECTIONS 4096

struct conn {
	int fd;
	char head[4];     /* the last bytes read, to find the blank line */
	int64_t due;      /* being served: when to answer; 0: still reading */
};

static struct conn conns[CONNECTIONS];
static int nconns;
static volatile sig_atomic_t stop;
static long requests, ok, throttled, serving, peak;

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void answer(struct conn *c, int code)
{
	static const char okay[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
	static const char slow[] =
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nslow\n";
	const char *text = code == 200 ? okay : slow;
	size_t len = code == 200 ? sizeof okay - 1 : sizeof slow - 1;
	ssize_t ignored = write(c->fd, text, len);  /* small: fits the socket's buffer */
	(void)ignored;
	close(c->fd);
	requests++;
	if (code == 200)
		ok++;
	else
		throttled++;
	*c = conns[--nconns];
}

static void drop(struct conn *c)
{
	close(c->fd);
	*c = conns[--nconns];
}

/* Reads what the client sent; true once its request's head has ended. */
static bool read_request(struct conn *c, bool *gone)
{
	char buf[4096];
	ssize_t got = read(c->fd, buf, sizeof buf);
	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		*gone = true;
		return false;
	}
	for (ssize_t i = 0; i < got; i++) {
		memmove(c->head, c->head + 1, 3);
		c->head[3] = buf[i];
		if (memcmp(c->head, "\r\n\r\n", 4) == 0 || memcmp(c->head + 2, "\n\n", 2) == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: throttle-server K T_MS N SECONDS PORTFILE STATSFILE\n");
		return 2;
	}
	long k = atol(argv[1]), t = atol(argv[2]), most = atol(argv[3]), seconds = atol(argv[4]);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	socklen_t alen = sizeof addr;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1024) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
		perror("throttle-server: 127.0.0.1");
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[5]);
	FILE *pf = fopen(tmp, "w");
	if (!pf || fprintf(pf, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(pf) != 0 || rename(tmp, argv[5]) != 0) {
		perror(argv[5]);
		return 1;
	}
	int64_t end = now_ms() + seconds * 1000;
	static struct pollfd pfd[CONNECTIONS + 1];
	while (!stop && requests < most && now_ms() < end) {
		int64_t now = now_ms(), wait = end - now;
		for (int i = 0; i < nconns; i++)
			if (conns[i].due && conns[i].due - now < wait)
				wait = conns[i].due - now;
		pfd[0] = (struct pollfd){ lfd, nconns < CONNECTIONS ? POLLIN : 0, 0 };
		for (int i = 0; i < nconns; i++)
			pfd[i + 1] = (struct pollfd){ conns[i].fd, conns[i].due ? 0 : POLLIN, 0 };
		int n = nconns;
		if (poll(pfd, (nfds_t)n + 1, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR)
			break;
		now = now_ms();
		/* Backwards, so that removing one (the last moves into its
		 * place) leaves the ones still to look at in place. */
		for (int i = n - 1; i >= 0; i--) {
			struct conn *c = &conns[i];
			if (c->due) {
				if (c->due <= now) {
					serving--;
					answer(c, 200);
				}
				continue;
			}
			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			bool gone = false;
			if (read_request(c, &gone)) {
				if (serving >= k) {
					answer(c, 429);
				} else {
					serving++;
					if (serving > peak)
						peak = serving;
					c->due = now + t;
				}
			} else if (gone) {
				drop(c);
			}
		}
		if (pfd[0].revents & POLLIN) {
			int fd;
			while (nconns < CONNECTIONS && (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
				conns[nconns++] = (struct conn){ fd, { 0 }, 0 };
		}
	}
	FILE *sf = fopen(argv[6], "w");
	if (!sf)
		return 1;
	fprintf(sf, "requests %ld\nok %ld\nthrottled %ld\npeak %ld\n", requests, ok, throttled, peak);
	return fclose(sf) == 0 ? 0 : 1;
}
