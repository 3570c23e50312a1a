/*
 * clockprobe: the effective core clock of this x64 machine in GHz, for the x64 check of the cycle model.
 * A loop of 200 dependent 1-cycle integer adds per iteration runs for about 0.2 s of this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so time the thread spends descheduled by other load does not count); cycles / seconds =
 * GHz. The best of several tries is printed (turbo and frequency changes make single tries vary).
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
    const uint64_t iters = 2000000;
    double best = 0;
    for (int k = 0; k < 7; k++) {
        uint64_t x = k;
        double t0 = now();
        for (uint64_t i = 0; i < iters; i++) {
            __asm__ volatile(".rept 200\n\taddq $1, %0\n\t.endr" : "+r"(x));
        }
        double t1 = now();
        double ghz = 200.0 * iters / (t1 - t0) / 1e9;
        if (ghz > best) best = ghz;
    }
    printf("%.3f\n", best);
    return 0;
}
