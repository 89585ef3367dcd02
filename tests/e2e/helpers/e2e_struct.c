// e2e helper: passes two linked `struct conn` to handle(), for scripts that define the same
// struct and read it through a pointer cast (script C definitions, user-space reads).
struct conn {
	int fd;
	unsigned long long bytes;
	char name[16];
	struct conn *next;
};

__attribute__((noipa)) int handle(struct conn *c)
{
	static volatile int sink;

	sink += c->fd;
	return 0;
}

int main(void)
{
	struct conn b = {7, 99, "second", 0};
	struct conn a = {3, 4096, "first", &b};

	handle(&a);
	handle(&b);
	return 0;
}
