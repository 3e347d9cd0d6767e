/*
 * A SimpleIPC v1 host written from the spec (../shared/spec/simpleipc-v1.md sections 2-9) and docs/layout.md, that
 * behaves like the original C++ host benchmark, so that the direction "a host like the original drives a shmipc
 * guest" can be measured and tested here:
 *
 *   simpleipc_host NAME [-t THREADS] [-i ITERATIONS] [-c CAPACITY] [--wait-guest SECONDS] [--call-timeout SECONDS]
 *
 * Defaults: 1 thread, 10000 iterations per thread, capacity 33554432 (32 MiB, the C++ benchmark's), no probe call,
 * a call timeout of 10 s.
 *
 * It creates the channel as the C++ host does (named semaphores /NAME_REQ and /NAME_RESP with O_CREAT 0644, then
 * shm_open("/NAME", O_CREAT, 0666), ftruncate to 2 * (128 + CAPACITY), mmap, both queue headers initialised), prints
 * "ready", then runs THREADS calling threads that each make ITERATIONS AddRequest calls one at a time. A call builds
 * Message{req_id, AddRequest{x, y}} by hand (the FlatBuffers builder's back-to-front algorithm, below: byte for byte
 * what flatbuffers-java's builder makes, which CHostInteropTest checks for every request, and the sizes spec section
 * 8 saw from the C++ builder: 48 bytes for x = y = 0, 72 for both non-zero),
 * registers itself in a table of call slots keyed by req_id (a counter starting at 1), hands the message to the
 * writer thread through an in-process pending queue (mutex + condition variable) and waits for its response.
 *
 * The writer thread drains the whole pending queue into queue 0 (spec section 3: padding and skip at the end of the
 * data area, blocks appended in place), makes ONE release store of writePos per batch and posts /NAME_REQ after
 * EVERY batch, as the original does. The reader thread reads queue 1 by spec section 4 (readPos after each batch),
 * spinning about 4000 empty polls, then sem_timedwait on /NAME_RESP for 100 ms (CLOCK_REALTIME, as the original),
 * then polling again; it parses each response's req_id and result and wakes the caller whose req_id it is.
 *
 * Each caller checks its response: payload type AddResponse and result == x + y (exactly: both sides add the same
 * two doubles). At the end it prints, in the original benchmark's format,
 *
 *   Throughput: X ops/s
 *   Avg Latency: Y us            (elapsed / calls, as the original; see spec section 8)
 *
 * and one machine-readable line
 *
 *   calls=N answered=A wrong=W unknown=U timeouts=T corrupt=C threads=.. iterations=.. elapsed_ns=E rtt_avg_ns=R
 *   batches=B posts=P reader_waits=RW
 *
 * (calls: calls made; answered: responses matched to their call; wrong: wrong payload type or result; unknown:
 * responses whose req_id no pending call has; rtt_avg_ns: the mean of each call's own round trip; batches/posts: the
 * writer's publishes and sem_posts; reader_waits: the reader's sem_timedwait calls).
 *
 * With --wait-guest SECONDS it first makes one probe call (req_id 1, AddRequest{1, 2}, outside the measurement and
 * its counts) that may wait that long for a guest to attach and answer, so a guest's start-up is not measured;
 * without it the measured calls start at once, as the original's do (requests written before a guest attaches are
 * read when it does, but each call still has only the call timeout).
 *
 * Where it differs from the original, on purpose, for a test tool:
 *  - every wait is bounded: a call not answered within 10 s (--call-timeout) fails and makes every calling thread
 *    stop after its current call (the original waits forever), the writer gives up a batch that found no room for
 *    as long, and the reader observes shutdown (the original's never exits);
 *  - it checks every answer, counts responses with an unknown req_id (the original drops them silently) and checks
 *    each block's magic and size (the original does not);
 *  - it refuses a capacity that is not a multiple of 8 or below 128 (shmipc needs 8-byte aligned positions);
 *  - it re-initialises a leftover segment whose queue 0 capacity differs from its own (the original reuses it);
 *  - it UNLINKS its segment and both semaphores at exit, and on SIGINT/SIGTERM (the original never does, spec
 *    section 5), so a shmipc guest sees its host go away within about 100 ms.
 * Exit codes: 0 every call answered right; 1 a wrong answer or a corrupt queue; else 2 a call (or the probe) timed
 * out; else 1 a response with an unknown req_id (after a timeout, a late answer is one, so the timeout decides);
 * 3 usage or set-up error. Build: gcc -O2 -std=c11 -pthread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "simpleipc.h"

enum { PAYLOAD_NONE = 0, ADD_REQUEST = 1, ADD_RESPONSE = 2, MYRAND_REQUEST = 3, MYRAND_RESPONSE = 4 };

#define DEFAULT_CALL_TIMEOUT_S 10.0
#define READER_SPINS 4000
#define READER_WAIT_NS 100000000L
#define MAX_MESSAGE 128
#define BUCKETS 4096 /* power of two; a call slot table with chaining, keyed by req_id & (BUCKETS - 1) */

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield" ::: "memory")
#else
#define CPU_RELAX() __asm__ __volatile__("" ::: "memory")
#endif

/* ---------------------------------------------------------------------------------------------------------------
 * FlatBuffers by hand. The builder writes back to front into a small buffer, as FlatBufferBuilder does: every scalar
 * is aligned to its size relative to the END of the buffer, a table is its fields (defaults omitted) then a soffset
 * to its vtable, the vtable (u16 vtable size, u16 table size, u16 field offsets) is written just before the table,
 * and finish aligns to the largest alignment used and writes the root uoffset. No vtable sharing: the two vtables
 * of a Message{AddRequest} never have the same length, so a builder that shares them finds nothing to share.
 * ------------------------------------------------------------------------------------------------------------- */

#define FB_CAP 256

typedef struct
{
    uint8_t buf[FB_CAP];
    uint32_t space;        /* first used byte; the message is buf[space .. FB_CAP) */
    uint32_t minalign;
    uint32_t vtable[4];    /* offset() of each field of the open table, 0 = absent */
    int fields;
    uint32_t object_start;
} fb_builder;

static uint32_t fb_offset(const fb_builder *b) { return FB_CAP - b->space; }

static void fb_reset(fb_builder *b)
{
    b->space = FB_CAP;
    b->minalign = 1;
    b->fields = 0;
}

/* Align so that after writing `additional` bytes, a `size`-byte scalar is aligned to its size. */
static void fb_prep(fb_builder *b, uint32_t size, uint32_t additional)
{
    if (size > b->minalign) b->minalign = size;
    uint32_t pad = (~(fb_offset(b) + additional) + 1) & (size - 1);
    while (pad-- > 0) b->buf[--b->space] = 0;
}

static void fb_put(fb_builder *b, const void *v, uint32_t size)
{
    fb_prep(b, size, 0);
    b->space -= size;
    memcpy(b->buf + b->space, v, size);
}

static void fb_start_table(fb_builder *b, int fields)
{
    memset(b->vtable, 0, sizeof b->vtable);
    b->fields = fields;
    b->object_start = fb_offset(b);
}

static void fb_add_u64(fb_builder *b, int field, uint64_t v)
{
    if (v == 0) return;                               /* the default is omitted */
    fb_put(b, &v, 8);
    b->vtable[field] = fb_offset(b);
}

static void fb_add_f64(fb_builder *b, int field, double v)
{
    if (v == 0.0) return;                             /* the default is omitted (so is -0.0, which equals it) */
    fb_put(b, &v, 8);
    b->vtable[field] = fb_offset(b);
}

static void fb_add_u8(fb_builder *b, int field, uint8_t v)
{
    if (v == 0) return;
    fb_put(b, &v, 1);
    b->vtable[field] = fb_offset(b);
}

/* A uoffset to something already written at offset() == target, stored relative to where it is stored. */
static void fb_add_offset(fb_builder *b, int field, uint32_t target)
{
    if (target == 0) return;
    fb_prep(b, 4, 0);
    uint32_t rel = fb_offset(b) - target + 4;
    b->space -= 4;
    memcpy(b->buf + b->space, &rel, 4);
    if (field >= 0) b->vtable[field] = fb_offset(b);
}

static uint32_t fb_end_table(fb_builder *b)
{
    int32_t zero = 0;
    fb_put(b, &zero, 4);                              /* the table's soffset to its vtable, filled in below */
    uint32_t table = fb_offset(b);
    int trimmed = b->fields;
    while (trimmed > 0 && b->vtable[trimmed - 1] == 0) trimmed--;
    for (int i = trimmed - 1; i >= 0; i--)
    {
        uint16_t off = (uint16_t)(b->vtable[i] != 0 ? table - b->vtable[i] : 0);
        fb_put(b, &off, 2);
    }
    uint16_t table_size = (uint16_t)(table - b->object_start);
    uint16_t vtable_size = (uint16_t)((trimmed + 2) * 2);
    fb_put(b, &table_size, 2);
    fb_put(b, &vtable_size, 2);
    int32_t soffset = (int32_t)(fb_offset(b) - table);  /* vtable is `soffset` bytes before the table */
    memcpy(b->buf + FB_CAP - table, &soffset, 4);
    return table;
}

static void fb_finish(fb_builder *b, uint32_t root)
{
    fb_prep(b, b->minalign, 4);
    fb_add_offset(b, -1, root);
}

/* Message{req_id, payload_type = AddRequest, payload = AddRequest{x, y}}, in flatc's generated field order. */
static const uint8_t *build_add_request(fb_builder *b, uint64_t req_id, double x, double y, uint32_t *len)
{
    fb_reset(b);
    fb_start_table(b, 2);                             /* AddRequest: x is field 0, y field 1; y is added first */
    fb_add_f64(b, 1, y);
    fb_add_f64(b, 0, x);
    uint32_t payload = fb_end_table(b);
    fb_start_table(b, 3);                             /* Message: req_id 0, payload_type 1, payload 2 */
    fb_add_u64(b, 0, req_id);
    fb_add_offset(b, 2, payload);
    fb_add_u8(b, 1, ADD_REQUEST);
    uint32_t root = fb_end_table(b);
    fb_finish(b, root);
    *len = FB_CAP - b->space;
    return b->buf + b->space;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* Offset of field `index` in the table at `table`, 0 when absent, -1 when the vtable is out of bounds. */
static int64_t fb_field(const uint8_t *m, uint32_t len, uint32_t table, int index, uint32_t field_size)
{
    if ((uint64_t)table + 4 > len) return -1;
    int32_t soffset;
    memcpy(&soffset, m + table, 4);
    int64_t vtable = (int64_t)table - soffset;
    if (vtable < 0 || vtable + 4 > len) return -1;
    uint16_t vsize = rd16(m + vtable);
    uint32_t entry = 4 + 2 * (uint32_t)index;
    if (entry + 2 > vsize) return 0;
    if (vtable + entry + 2 > len) return -1;
    uint16_t off = rd16(m + vtable + entry);
    if (off != 0 && (uint64_t)table + off + field_size > len) return -1;
    return off;
}

/* Parses Message{req_id, payload_type, payload{result}}: 0 if well formed. */
static int parse_response(const uint8_t *m, uint32_t len, uint64_t *req_id, uint8_t *type, double *result)
{
    *req_id = 0; *type = PAYLOAD_NONE; *result = 0;
    if (len < 8) return -1;
    uint32_t table = rd32(m);
    int64_t f;
    if ((f = fb_field(m, len, table, 0, 8)) < 0) return -1;
    if (f > 0) memcpy(req_id, m + table + f, 8);
    if ((f = fb_field(m, len, table, 1, 1)) < 0) return -1;
    if (f > 0) *type = m[table + f];
    if ((f = fb_field(m, len, table, 2, 4)) < 0) return -1;
    if (f == 0) return *type == PAYLOAD_NONE ? 0 : -1;
    uint64_t p = table + (uint64_t)f + rd32(m + table + f);
    if (p + 4 > len) return -1;
    if ((f = fb_field(m, len, (uint32_t)p, 0, 8)) < 0) return -1;
    if (f > 0) memcpy(result, m + p + f, 8);
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The host: call slots, the pending queue, the writer and the reader.
 * ------------------------------------------------------------------------------------------------------------- */

enum { SLOT_IDLE = 0, SLOT_PENDING = 1, SLOT_ANSWERED = 2 };

typedef struct caller
{
    int index;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;                  /* guarded by mu once PENDING */
    uint64_t req_id;
    double x, y;
    double result;              /* written by the reader under mu */
    uint8_t type;
    uint8_t msg[MAX_MESSAGE];
    uint32_t len;
    struct caller *bucket_next; /* in the slot table, guarded by table_mu */
    struct caller *pending_next;/* in the pending queue, guarded by pending_mu */
    uint64_t calls, answered, wrong, timeouts;
    int64_t rtt_ns_total;
} caller_t;

static queue_t to_guest, from_guest;
static sem_t *req_sem, *resp_sem;
static char shm_file[320], req_file[320], resp_file[320];

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static caller_t *table[BUCKETS];

static pthread_mutex_t pending_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pending_cv;
static caller_t *pending_head, *pending_tail;

static uint64_t next_req_id = 1;                 /* atomic */
static int stopping;                             /* atomic: writer and reader stop */
static int aborting;                             /* atomic: callers stop after their current call */
static uint64_t unknown_responses, corrupt;      /* atomic */
static uint64_t batches, posts, reader_waits;    /* written by one thread each, read after join */
static int iterations;
static int64_t call_timeout_ns;                  /* 10 s unless --call-timeout says otherwise */
static pthread_barrier_t start_barrier;          /* the calling threads start together with the clock */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec monotonic_at(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
    return ts;
}

static void unlink_all(void)
{
    /* unlink(2) directly: async-signal-safe, and the same files as shm_unlink("/NAME") and sem_unlink("/NAME_x") */
    unlink(shm_file);
    unlink(req_file);
    unlink(resp_file);
}

static void on_signal(int sig)
{
    unlink_all();
    _exit(128 + sig);
}

static void slot_insert(caller_t *c)
{
    pthread_mutex_lock(&table_mu);
    caller_t **bucket = &table[c->req_id & (BUCKETS - 1)];
    c->bucket_next = *bucket;
    *bucket = c;
    pthread_mutex_unlock(&table_mu);
}

/* Removes and returns the pending call with this req_id, or NULL. */
static caller_t *slot_take(uint64_t req_id)
{
    pthread_mutex_lock(&table_mu);
    caller_t **link = &table[req_id & (BUCKETS - 1)];
    caller_t *found = NULL;
    for (; *link != NULL; link = &(*link)->bucket_next)
    {
        if ((*link)->req_id == req_id)
        {
            found = *link;
            *link = found->bucket_next;
            found->bucket_next = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return found;
}

/*
 * One call: register the slot, hand the message to the writer, wait up to `timeout_ns` for the reader to answer.
 * Returns 1 if answered (right or wrong: see c->wrong), 0 on timeout.
 */
static int call(caller_t *c, double x, double y, int64_t timeout_ns)
{
    fb_builder b;
    c->req_id = __atomic_fetch_add(&next_req_id, 1, __ATOMIC_RELAXED);
    c->x = x;
    c->y = y;
    const uint8_t *m = build_add_request(&b, c->req_id, x, y, &c->len);
    memcpy(c->msg, m, c->len);
    c->state = SLOT_PENDING;
    c->calls++;
    int64_t start = now_ns();
    slot_insert(c);

    pthread_mutex_lock(&pending_mu);
    c->pending_next = NULL;
    if (pending_tail != NULL) pending_tail->pending_next = c;
    else pending_head = c;
    pending_tail = c;
    pthread_cond_signal(&pending_cv);
    pthread_mutex_unlock(&pending_mu);

    struct timespec deadline = monotonic_at(start + timeout_ns);
    pthread_mutex_lock(&c->mu);
    while (c->state != SLOT_ANSWERED)
    {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT && c->state != SLOT_ANSWERED)
        {
            break;
        }
    }
    int answered = c->state == SLOT_ANSWERED;
    pthread_mutex_unlock(&c->mu);
    if (!answered)
    {
        if (slot_take(c->req_id) == NULL)
        {
            /* the reader took the slot just now and is about to set ANSWERED: wait for it (it does so at once) */
            pthread_mutex_lock(&c->mu);
            while (c->state != SLOT_ANSWERED) pthread_cond_wait(&c->cv, &c->mu);
            pthread_mutex_unlock(&c->mu);
            answered = 1;
        }
    }
    if (!answered)
    {
        c->timeouts++;
        fprintf(stderr, "thread %d: call req_id=%" PRIu64 " AddRequest{%.17g, %.17g} not answered within %.1f s\n",
            c->index, c->req_id, x, y, timeout_ns / 1e9);
        return 0;
    }
    c->rtt_ns_total += now_ns() - start;
    c->answered++;
    if (c->type != ADD_RESPONSE || c->result != x + y)
    {
        if (c->wrong++ < 5)
        {
            fprintf(stderr, "thread %d: req_id=%" PRIu64 " AddRequest{%.17g, %.17g} answered with payload type %u "
                "result %.17g, expected AddResponse %.17g\n", c->index, c->req_id, x, y, c->type, c->result, x + y);
        }
    }
    c->state = SLOT_IDLE;
    return 1;
}

static void *caller_main(void *arg)
{
    caller_t *c = arg;
    pthread_barrier_wait(&start_barrier);
    for (int i = 0; i < iterations && !__atomic_load_n(&aborting, __ATOMIC_RELAXED); i++)
    {
        /* varied operands, exact in a double, both non-zero except now and then (the flatc builder omits zeros) */
        double x = (double)(c->index * 1000003 + i) + 0.25 * (i % 4);
        double y = (i % 97 == 0) ? 0.0 : (double)(i % 1000) * 0.5 - 17.0;
        if (!call(c, x, y, call_timeout_ns))
        {
            __atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

/* Appends one block after *w (spec section 3 steps 2-5), without publishing. 0 if it does not fit now. */
static int append(queue_t *q, uint64_t *w, uint64_t *r, const uint8_t *msg, uint32_t size)
{
    uint64_t total = align8(size) + 8;
    for (;;)
    {
        if ((*w - *r) + total > q->capacity)
        {
            *r = load_acquire(q->base + READ_POS);
            if ((*w - *r) + total > q->capacity) return 0;
        }
        uint64_t offset = *w % q->capacity;
        uint64_t space_to_end = q->capacity - offset;
        if (space_to_end < total)
        {
            if (space_to_end >= 8)
            {
                uint32_t pad = (uint32_t)(space_to_end - 8), magic = MAGIC_PADDING;
                memcpy(q->data + offset, &pad, 4);
                memcpy(q->data + offset + 4, &magic, 4);
            }
            *w += space_to_end;   /* a padding block, or a silent skip when no header fits */
            continue;
        }
        uint32_t magic = MAGIC_DATA;
        memcpy(q->data + offset, &size, 4);
        memcpy(q->data + offset + 4, &magic, 4);
        memcpy(q->data + offset + 8, msg, size);
        *w += total;
        return 1;
    }
}

static void publish(queue_t *q, uint64_t w)
{
    store_release(q->base + WRITE_POS, w);
    sem_post(req_sem);       /* after EVERY publish, whether or not the guest sleeps, as the original */
    batches++;
    posts++;
}

static void *writer_main(void *arg)
{
    (void)arg;
    uint64_t w = load_acquire(to_guest.base + WRITE_POS);
    uint64_t r = load_acquire(to_guest.base + READ_POS);
    for (;;)
    {
        pthread_mutex_lock(&pending_mu);
        while (pending_head == NULL && !__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
        {
            struct timespec at = monotonic_at(now_ns() + 100000000LL);
            pthread_cond_timedwait(&pending_cv, &pending_mu, &at);
        }
        caller_t *batch = pending_head;
        pending_head = pending_tail = NULL;
        pthread_mutex_unlock(&pending_mu);
        if (batch == NULL) return NULL;   /* stopping, nothing left */

        uint64_t published = w;
        for (caller_t *c = batch; c != NULL;)
        {
            caller_t *next = c->pending_next; /* read before the call can complete and its caller reuse the slot */
            if (append(&to_guest, &w, &r, c->msg, c->len))
            {
                c = next;
                continue;
            }
            /* full: publish what is appended so the guest can make room, then wait for room, at most as long
               as a call may take */
            if (w != published) { publish(&to_guest, w); published = w; }
            int64_t give_up = now_ns() + call_timeout_ns;
            while (!append(&to_guest, &w, &r, c->msg, c->len))
            {
                if (now_ns() > give_up || __atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
                {
                    fprintf(stderr, "writer: queue 0 stayed full (readPos %" PRIu64 ", writePos %" PRIu64
                        "): dropping the rest of the batch\n", r, w);
                    __atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
                    next = NULL;
                    break;
                }
                sched_yield();
            }
            c = next;
        }
        if (w != published) publish(&to_guest, w);
    }
}

static void deliver(const uint8_t *m, uint32_t size)
{
    uint64_t req_id;
    uint8_t type;
    double result;
    if (parse_response(m, size, &req_id, &type, &result) != 0)
    {
        if (__atomic_fetch_add(&corrupt, 1, __ATOMIC_RELAXED) < 5)
            fprintf(stderr, "reader: a response of %u bytes is not a well-formed Message\n", size);
        return;
    }
    caller_t *c = slot_take(req_id);
    if (c == NULL)
    {
        if (__atomic_fetch_add(&unknown_responses, 1, __ATOMIC_RELAXED) < 5)
            fprintf(stderr, "reader: response for unknown req_id %" PRIu64 " (type %u, result %.17g)\n", req_id, type,
                result);
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->type = type;
    c->result = result;
    c->state = SLOT_ANSWERED;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *reader_main(void *arg)
{
    (void)arg;
    queue_t *q = &from_guest;
    uint64_t r = load_acquire(q->base + READ_POS);
    int idle = 0;
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
    {
        uint64_t w = load_acquire(q->base + WRITE_POS);
        if (w == r)
        {
            if (++idle < READER_SPINS)
            {
                CPU_RELAX();
                continue;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += READER_WAIT_NS;
            if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
            reader_waits++;
            while (sem_timedwait(resp_sem, &ts) != 0 && errno == EINTR) {}
            idle = 0;
            continue;
        }
        idle = 0;
        if (w - r > q->capacity)
        {
            fprintf(stderr, "reader: queue 1 corrupt: writePos %" PRIu64 ", readPos %" PRIu64 "\n", w, r);
            __atomic_fetch_add(&corrupt, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
            return NULL;
        }
        while (r < w)
        {
            uint64_t offset = r % q->capacity, space = q->capacity - offset;
            if (space < 8) { r += space; continue; }
            uint32_t size = rd32(q->data + offset), magic = rd32(q->data + offset + 4);
            if (magic == MAGIC_PADDING && (uint64_t)size + 8 == space) { r += space; continue; }
            if (magic != MAGIC_DATA || align8(size) + 8 > space || align8(size) + 8 > w - r)
            {
                fprintf(stderr, "reader: queue 1 corrupt at position %" PRIu64 ": size %u magic 0x%08x\n", r, size,
                    magic);
                __atomic_fetch_add(&corrupt, 1, __ATOMIC_RELAXED);
                __atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
                return NULL;
            }
            deliver(q->data + offset + 8, size);
            r += align8(size) + 8;
        }
        store_release(q->base + READ_POS, r);
    }
    return NULL;
}

/* Creates the channel as the C++ host does (spec section 5). 0 on success. */
static int create_channel(const char *name, uint64_t capacity, uint8_t **segment, size_t *length)
{
    char shm_name[300], req_name[300], resp_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", name);
    snprintf(req_name, sizeof req_name, "/%s_REQ", name);
    snprintf(resp_name, sizeof resp_name, "/%s_RESP", name);
    req_sem = sem_open(req_name, O_CREAT, 0644, 0);
    resp_sem = sem_open(resp_name, O_CREAT, 0644, 0);
    if (req_sem == SEM_FAILED || resp_sem == SEM_FAILED) { perror("sem_open"); return -1; }
    int fd = shm_open(shm_name, O_CREAT | O_RDWR, 0666);
    if (fd < 0) { perror("shm_open"); return -1; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); close(fd); return -1; }
    size_t total = (size_t)(2 * (HEADER_LENGTH + capacity));
    if (ftruncate(fd, (off_t)total) != 0) { perror("ftruncate"); close(fd); return -1; }
    uint8_t *seg = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (seg == MAP_FAILED) { perror("mmap"); return -1; }
    uint8_t *q0 = seg, *q1 = seg + HEADER_LENGTH + capacity;
    uint64_t found = load_acquire(q0 + CAPACITY);
    if (st.st_size == 0 || found == 0 || found != capacity)
    {
        if (st.st_size != 0 && found != 0)
            fprintf(stderr, "re-initialising a leftover segment of capacity %" PRIu64 " (the original would reuse "
                "it)\n", found);
        /* docs/layout.md section 8: queue 0's capacity to 0 first, queue 1 whole, queue 0's capacity last */
        store_release(q0 + CAPACITY, 0);
        memset(q1, 0, HEADER_LENGTH);
        store_release(q1 + CAPACITY, capacity);
        memset(q0, 0, CAPACITY);
        memset(q0 + CAPACITY + 8, 0, HEADER_LENGTH - CAPACITY - 8);
        store_release(q0 + CAPACITY, capacity);
    }
    else
    {
        fprintf(stderr, "reusing the segment's positions as the original does: queue 0 writePos %" PRIu64
            " readPos %" PRIu64 "\n", load_acquire(q0 + WRITE_POS), load_acquire(q0 + READ_POS));
    }
    to_guest = (queue_t){ q0, q0 + HEADER_LENGTH, capacity };
    from_guest = (queue_t){ q1, q1 + HEADER_LENGTH, capacity };
    *segment = seg;
    *length = total;
    return 0;
}

static void usage(const char *program)
{
    fprintf(stderr, "usage: %s NAME [-t THREADS] [-i ITERATIONS] [-c CAPACITY] [--wait-guest SECONDS] "
        "[--call-timeout SECONDS]\n", program);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') { usage(argv[0]); return 3; }
    const char *name = argv[1];
    int threads = 1;
    iterations = 10000;
    uint64_t capacity = 33554432;
    double wait_guest = 0, call_timeout = DEFAULT_CALL_TIMEOUT_S;
    for (int i = 2; i < argc; i++)
    {
        if (i + 1 >= argc) { usage(argv[0]); return 3; }
        if (strcmp(argv[i], "-t") == 0) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "-i") == 0) iterations = atoi(argv[++i]);
        else if (strcmp(argv[i], "-c") == 0) capacity = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--wait-guest") == 0) wait_guest = atof(argv[++i]);
        else if (strcmp(argv[i], "--call-timeout") == 0) call_timeout = atof(argv[++i]);
        else { usage(argv[0]); return 3; }
    }
    if (threads < 1 || threads > 4096 || iterations < 0 || wait_guest < 0 || call_timeout <= 0 || call_timeout > 3600)
    {
        usage(argv[0]);
        return 3;
    }
    if (capacity < 128 || capacity % 8 != 0 || capacity > 1073741688ULL)
    {
        fprintf(stderr, "capacity %" PRIu64 ": must be a multiple of 8 from 128 to 1073741688\n", capacity);
        return 3;
    }
    if (strlen(name) > 240 || strchr(name, '/') != NULL) { fprintf(stderr, "bad channel name %s\n", name); return 3; }
    call_timeout_ns = (int64_t)(call_timeout * 1e9);
    snprintf(shm_file, sizeof shm_file, "/dev/shm/%s", name);
    snprintf(req_file, sizeof req_file, "/dev/shm/sem.%s_REQ", name);
    snprintf(resp_file, sizeof resp_file, "/dev/shm/sem.%s_RESP", name);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&pending_cv, &monotonic);

    uint8_t *segment;
    size_t length;
    if (create_channel(name, capacity, &segment, &length) != 0)
    {
        unlink_all();
        return 3;
    }
    printf("ready %s capacity=%" PRIu64 " threads=%d iterations=%d\n", name, capacity, threads, iterations);
    fflush(stdout);

    pthread_t writer, reader;
    pthread_create(&writer, NULL, writer_main, NULL);
    pthread_create(&reader, NULL, reader_main, NULL);

    caller_t *callers = calloc((size_t)threads + 1, sizeof(caller_t));
    for (int t = 0; t <= threads; t++)
    {
        callers[t].index = t;
        pthread_mutex_init(&callers[t].mu, NULL);
        pthread_cond_init(&callers[t].cv, &monotonic);
    }
    int probe_failed = 0;
    if (wait_guest > 0)
    {
        caller_t *probe = &callers[threads];
        probe->index = -1;
        probe_failed = !call(probe, 1.0, 2.0, (int64_t)(wait_guest * 1e9)) || probe->wrong != 0;
        if (!probe_failed)
        {
            printf("guest answered the probe call in %.3f ms\n", probe->rtt_ns_total / 1e6);
            fflush(stdout);
        }
    }

    int64_t started = 0, elapsed = 0;
    if (!probe_failed)
    {
        pthread_barrier_init(&start_barrier, NULL, (unsigned)threads + 1);
        for (int t = 0; t < threads; t++) pthread_create(&callers[t].thread, NULL, caller_main, &callers[t]);
        pthread_barrier_wait(&start_barrier);
        started = now_ns();
        for (int t = 0; t < threads; t++) pthread_join(callers[t].thread, NULL);
        elapsed = now_ns() - started;
    }

    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&pending_mu);
    pthread_cond_signal(&pending_cv);
    pthread_mutex_unlock(&pending_mu);
    sem_post(resp_sem); /* wakes our own reader at once; nobody else waits on _RESP */
    pthread_join(writer, NULL);
    pthread_join(reader, NULL);

    uint64_t calls = 0, answered = 0, wrong = 0, timeouts = 0;
    int64_t rtt = 0;
    for (int t = 0; t < threads; t++)
    {
        calls += callers[t].calls;
        answered += callers[t].answered;
        wrong += callers[t].wrong;
        timeouts += callers[t].timeouts;
        rtt += callers[t].rtt_ns_total;
    }
    if (probe_failed)
    {
        timeouts += callers[threads].timeouts;
        wrong += callers[threads].wrong;
        fprintf(stderr, "no guest answered the probe call within %.1f s\n", wait_guest);
    }
    double seconds = elapsed / 1e9;
    printf("Throughput: %.2f ops/s\n", seconds > 0 ? calls / seconds : 0.0);
    printf("Avg Latency: %.2f us\n", calls > 0 ? elapsed / 1e3 / calls : 0.0);
    printf("calls=%" PRIu64 " answered=%" PRIu64 " wrong=%" PRIu64 " unknown=%" PRIu64 " timeouts=%" PRIu64
        " corrupt=%" PRIu64 " threads=%d iterations=%d elapsed_ns=%" PRId64 " rtt_avg_ns=%" PRId64 " batches=%"
        PRIu64 " posts=%" PRIu64 " reader_waits=%" PRIu64 "\n", calls, answered, wrong,
        __atomic_load_n(&unknown_responses, __ATOMIC_RELAXED), timeouts, __atomic_load_n(&corrupt, __ATOMIC_RELAXED),
        threads, iterations, elapsed, answered > 0 ? rtt / (int64_t)answered : 0, batches, posts, reader_waits);
    fflush(stdout);

    munmap(segment, length);
    sem_close(req_sem);
    sem_close(resp_sem);
    unlink_all();   /* unlike the original, which leaves all three in /dev/shm */

    uint64_t unknown = __atomic_load_n(&unknown_responses, __ATOMIC_RELAXED);
    if (wrong > 0 || __atomic_load_n(&corrupt, __ATOMIC_RELAXED) > 0) return 1;
    if (timeouts > 0) return 2;   /* a late answer to a timed-out call is "unknown": the timeout is the failure */
    if (unknown > 0) return 1;
    return 0;
}
