#ifndef TYPES_H
#define TYPES_H
#define ANSWER 42
struct point { int x; int y; long z; };
#endif
