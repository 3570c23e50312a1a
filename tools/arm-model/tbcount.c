/*
 * tbcount: a QEMU (7.2, plugin API version 1) TCG plugin for the ARM cycle model (scripts/arm-model.sh).
 *
 * It counts how often every translation block runs (one inline 64-bit add per block execution, no callback) and keeps
 * each block's start address and instruction bytes. When the guest issues the marker system call of
 * `edgert opmarkers` (number 0x4544, first argument 0x45444745), it writes the count increments since the previous
 * marker ("D id delta" lines) followed by the marker itself ("M kind frame op"), so the instructions between two
 * markers can be attributed to one operator. At exit it writes every block ("B id vaddr n_insns hexbytes total").
 *
 * qemu-plugin.h is not installed with Debian's qemu-user, so the few declarations used are written out here; they
 * follow the documented plugin API of QEMU 7.2.
 * Usage: qemu-aarch64 -plugin ./tbcount.so,out=FILE ...   (out= defaults to tbcount.out)
 * Counting is not atomic by default: with several guest threads running at once, concurrent increments of one block's
 * counter can be lost. With atomic=1 every execution calls back into the plugin and adds atomically instead (exact
 * with any number of threads, slower): scripts/arm-model.sh uses it for --threads above 1.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of qemu-plugin.h this plugin needs (QEMU 7.2) ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char *target_name;
    struct { int min; int cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus; int max_vcpus; } system; };
} qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_syscall_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, uint64_t a1,
                                              uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                                              uint64_t a7, uint64_t a8);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_syscall_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
__attribute__((visibility("default"))) extern int qemu_plugin_version;
/* ---- end of the API part ---- */

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MARKER_SYSCALL 0x4544
#define MARKER_MAGIC 0x45444745ULL
#define CHUNK 4096

typedef struct {
    uint64_t count; /* incremented by the translated code */
    uint64_t snap;  /* count at the previous marker */
    uint64_t vaddr;
    uint32_t n_insns;
    uint32_t n_bytes;
    uint8_t *bytes;
} block_t;

static block_t **chunks; /* blocks never move: the inline add holds a pointer to each count */
static size_t n_chunks, cap_chunks, n_blocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static int atomic_counts;

static void on_exec_atomic(unsigned int vcpu, void *userdata)
{
    (void)vcpu;
    __atomic_fetch_add(&((block_t *)userdata)->count, 1, __ATOMIC_RELAXED);
}

static block_t *new_block(void)
{
    if (n_blocks == n_chunks * CHUNK) {
        if (n_chunks == cap_chunks) {
            cap_chunks = cap_chunks ? cap_chunks * 2 : 64;
            chunks = realloc(chunks, cap_chunks * sizeof *chunks);
            if (!chunks) abort();
        }
        chunks[n_chunks] = calloc(CHUNK, sizeof(block_t));
        if (!chunks[n_chunks]) abort();
        n_chunks++;
    }
    block_t *b = &chunks[n_blocks / CHUNK][n_blocks % CHUNK];
    n_blocks++;
    return b;
}

static inline block_t *block_at(size_t i) { return &chunks[i / CHUNK][i % CHUNK]; }

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, i));
    uint8_t *bytes = malloc(total ? total : 1);
    if (!bytes) abort();
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        size_t s = qemu_plugin_insn_size(insn);
        memcpy(bytes + at, qemu_plugin_insn_data(insn), s);
        at += s;
    }
    pthread_mutex_lock(&lock);
    block_t *b = new_block();
    b->vaddr = qemu_plugin_tb_vaddr(tb);
    b->n_insns = (uint32_t)n;
    b->n_bytes = (uint32_t)total;
    b->bytes = bytes;
    pthread_mutex_unlock(&lock);
    if (atomic_counts) qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec_atomic, QEMU_PLUGIN_CB_NO_REGS, b);
    else qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    (void)id; (void)vcpu; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num != MARKER_SYSCALL || a1 != MARKER_MAGIC) return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_blocks; i++) {
        block_t *b = block_at(i);
        uint64_t c = __atomic_load_n(&b->count, __ATOMIC_RELAXED);
        if (c != b->snap) {
            fprintf(out, "D %zu %" PRIu64 "\n", i, c - b->snap);
            b->snap = c;
        }
    }
    fprintf(out, "M %" PRId64 " %" PRId64 " %" PRId64 "\n", (int64_t)a2, (int64_t)a3, (int64_t)a4);
    pthread_mutex_unlock(&lock);
}

static void on_exit_cb(qemu_plugin_id_t id, void *userdata)
{
    (void)id; (void)userdata;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_blocks; i++) {
        block_t *b = block_at(i);
        if (b->count != b->snap) fprintf(out, "D %zu %" PRIu64 "\n", i, b->count - b->snap);
    }
    fprintf(out, "M -1 -1 -1\n");
    for (size_t i = 0; i < n_blocks; i++) {
        block_t *b = block_at(i);
        if (b->count == 0) continue;
        fprintf(out, "B %zu %" PRIx64 " %u ", i, b->vaddr, b->n_insns);
        for (uint32_t k = 0; k < b->n_bytes; k++) fprintf(out, "%02x", b->bytes[k]);
        fprintf(out, " %" PRIu64 "\n", b->count);
    }
    fprintf(out, "E %zu\n", n_blocks);
    fclose(out);
    out = NULL;
    pthread_mutex_unlock(&lock);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                                               char **argv)
{
    (void)info;
    const char *path = "tbcount.out";
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) path = argv[i] + 4;
        else if (strcmp(argv[i], "atomic=1") == 0) atomic_counts = 1;
        else if (strcmp(argv[i], "atomic=0") == 0) atomic_counts = 0;
        else { fprintf(stderr, "tbcount: unknown argument '%s' (out=FILE, atomic=0|1)\n", argv[i]); return -1; }
    }
    out = fopen(path, "w");
    if (!out) { perror(path); return -1; }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}
