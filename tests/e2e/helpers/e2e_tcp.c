// e2e helper: brings the loopback interface up (kernel-matrix guests boot with it down), opens a
// TCP connection to itself on 127.0.0.1, sends "ping"/"pong", passes the client socket's cookie
// (SO_COOKIE) to e2e_tcp_cookie() for uprobes, and closes. With `--pcap FILE` it then waits up to
// 3 s for FILE to be a pcap file (LINKTYPE_RAW) holding an IPv4 TCP packet to 127.0.0.1, and
// exits 1 with a message if it does not.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

volatile unsigned long long e2e_tcp_last_cookie;

__attribute__((noipa)) void e2e_tcp_cookie(unsigned long long cookie)
{
	e2e_tcp_last_cookie = cookie;
}

static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
}

static int talk(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	unsigned long long cookie = 0;
	socklen_t clen = sizeof(cookie);
	char buf[8] = {0};
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;

	if (l < 0 || c < 0 || bind(l, (void *)&addr, sizeof(addr)) || listen(l, 1) ||
	    getsockname(l, (void *)&addr, &len) || connect(c, (void *)&addr, sizeof(addr))) {
		perror("e2e_tcp: connection");
		return 1;
	}
	s = accept(l, NULL, NULL);
	if (s < 0 || write(c, "ping", 4) != 4 || read(s, buf, 4) != 4 || write(s, "pong", 4) != 4 ||
	    read(c, buf, 4) != 4) {
		perror("e2e_tcp: ping/pong");
		return 1;
	}
	getsockopt(c, SOL_SOCKET, SO_COOKIE, &cookie, &clen);
	e2e_tcp_cookie(cookie);
	close(c);
	close(s);
	close(l);
	return 0;
}

// 1 when `file` is a LINKTYPE_RAW pcap file with an IPv4 TCP packet to 127.0.0.1.
static int pcap_has_packet(const char *file, char *why, size_t n)
{
	uint32_t hdr[6], rec[4];
	unsigned char pkt[65536];
	FILE *f = fopen(file, "rb");
	int found = 0;

	if (!f) {
		snprintf(why, n, "cannot open %s", file);
		return 0;
	}
	if (fread(hdr, sizeof(hdr), 1, f) != 1 || hdr[0] != 0xa1b2c3d4 || hdr[1] != 0x00040002 ||
	    hdr[4] != 65535 || hdr[5] != 101) {
		snprintf(why, n, "%s has no pcap header for LINKTYPE_RAW", file);
		fclose(f);
		return 0;
	}
	snprintf(why, n, "%s holds no IPv4 TCP packet to 127.0.0.1", file);
	while (!found && fread(rec, sizeof(rec), 1, f) == 1 && rec[2] <= sizeof(pkt) && rec[2] == rec[3] &&
	       fread(pkt, 1, rec[2], f) == rec[2])
		found = rec[2] >= 20 && pkt[0] == 0x45 && pkt[9] == 6 && pkt[16] == 127 && pkt[19] == 1;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	char why[256] = "";

	loopback_up();
	if (talk())
		return 1;
	if (argc == 3 && strcmp(argv[1], "--pcap") == 0) {
		for (int i = 0; i < 30 && !pcap_has_packet(argv[2], why, sizeof(why)); i++)
			nanosleep(&(struct timespec){0, 100000000}, NULL);
		if (!pcap_has_packet(argv[2], why, sizeof(why))) {
			printf("e2e_tcp: %s\n", why);
			return 1;
		}
	}
	return 0;
}
