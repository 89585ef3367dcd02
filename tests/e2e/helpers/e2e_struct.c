// e2e helper: passes two linked `struct conn` to handle(), for scripts that define the same
// struct and read it through a pointer cast (script C definitions, user-space reads); then
// two `struct shape` to draw(), for bitfields and arrays of structs inside script structs.
struct conn {
	int fd;
	unsigned long long bytes;
	char name[16];
	struct conn *next;
};

struct point {
	short x;
	short y;
};

struct shape {
	unsigned int kind : 4;
	unsigned int visible : 1;
	unsigned int depth : 7;
	unsigned long long id : 40;	/* bits 12..51: spread over six bytes */
	struct point pts[3];
	struct {
		unsigned char lo : 3;
		unsigned char hi : 5;
	} nib;
	struct {			/* anonymous: its members are the shape's */
		unsigned short layer : 6;
		unsigned short locked : 1;
	};
	char tag[6];
};

__attribute__((noipa)) int handle(struct conn *c)
{
	static volatile int sink;

	sink += c->fd;
	return 0;
}

__attribute__((noipa)) int draw(struct shape *s)
{
	static volatile int sink;

	sink += s->kind;
	return 0;
}

int main(void)
{
	struct conn b = {7, 99, "second", 0};
	struct conn a = {3, 4096, "first", &b};
	struct shape tri = {
		.kind = 9, .visible = 1, .depth = 42, .id = 0xabcde12345ull,
		.pts = {{1, -2}, {3, 4}, {-5, 6}}, .nib = {5, 17}, .layer = 33, .locked = 1, .tag = "tri",
	};
	struct shape dot = {
		.kind = 2, .depth = 127, .id = 1, .pts = {{7, 7}}, .nib = {7, 31}, .layer = 63, .tag = "dot",
	};

	handle(&a);
	handle(&b);
	draw(&tri);
	draw(&dot);
	draw(&tri);
	return 0;
}
