/*
 * A tiny arm64 guest for the cycle model's smoke test (scripts/test.d/25-arm-model.sh). It issues the same marker
 * system calls as `edgert opmarkers` around two known loops, so the plugin's per-interval counts and the analyzer's
 * cycle estimate can be checked against numbers known in advance:
 *   "operator 0": 1000 iterations of 8 independent adds + subs + b.ne (10 instructions per iteration)
 *   "operator 1": 1000 iterations of 8 dependent adds + subs + b.ne (a chain: at least 8 cycles per iteration)
 */
#include <unistd.h>
#include <sys/syscall.h>

static void mark(long kind, long frame, long op) { syscall(0x4544, 0x45444745L, kind, frame, op); }

int main(void)
{
    for (long f = 0; f < 3; f++) {
        mark(1, f, -1);
        mark(2, f, 0);
        __asm__ volatile("mov x9, #1000\n"
                         "1:\n"
                         "add x10, x10, #1\n add x11, x11, #1\n add x12, x12, #1\n add x13, x13, #1\n"
                         "add x14, x14, #1\n add x15, x15, #1\n add x16, x16, #1\n add x17, x17, #1\n"
                         "subs x9, x9, #1\n b.ne 1b\n"
                         ::: "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "cc");
        mark(2, f, 1);
        __asm__ volatile("mov x9, #1000\n"
                         "1:\n"
                         "add x10, x10, #1\n add x10, x10, #1\n add x10, x10, #1\n add x10, x10, #1\n"
                         "add x10, x10, #1\n add x10, x10, #1\n add x10, x10, #1\n add x10, x10, #1\n"
                         "subs x9, x9, #1\n b.ne 1b\n"
                         ::: "x9", "x10", "cc");
        mark(3, f, -1);
    }
    mark(4, 3, -1);
    return 0;
}
