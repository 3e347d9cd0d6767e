/*
 * Test peer for shmipc's named-semaphore tests, standing in for the C++/Go SimpleIPC library.
 *
 *   sem_peer post NAME [COUNT]     sem_open("/NAME") without O_CREAT, sem_post COUNT times (default 1)
 *   sem_peer wait NAME TIMEOUT_MS  sem_open("/NAME") without O_CREAT, print "waiting", then sem_timedwait
 *                                  with a CLOCK_REALTIME deadline, as the C++/Go peers do
 *
 * Exit status: 0 done (posted, or woken by a post), 2 timed out, 1 error (message on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: %s post NAME [COUNT] | wait NAME TIMEOUT_MS\n", argv[0]);
        return 1;
    }

    char name[300];
    snprintf(name, sizeof(name), "/%s", argv[2]);
    sem_t *sem = sem_open(name, 0);
    if (SEM_FAILED == sem)
    {
        fprintf(stderr, "sem_open(%s): %s\n", name, strerror(errno));
        return 1;
    }

    if (0 == strcmp(argv[1], "post"))
    {
        long count = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
        for (long i = 0; i < count; i++)
        {
            if (0 != sem_post(sem))
            {
                fprintf(stderr, "sem_post(%s): %s\n", name, strerror(errno));
                return 1;
            }
        }
        printf("posted %ld\n", count);
        return 0;
    }

    if (0 == strcmp(argv[1], "wait") && argc > 3)
    {
        long timeoutMs = strtol(argv[3], NULL, 10);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeoutMs / 1000;
        deadline.tv_nsec += (timeoutMs % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L)
        {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        printf("waiting\n");
        fflush(stdout);
        while (0 != sem_timedwait(sem, &deadline))
        {
            if (ETIMEDOUT == errno)
            {
                printf("timed out\n");
                return 2;
            }
            if (EINTR != errno)
            {
                fprintf(stderr, "sem_timedwait(%s): %s\n", name, strerror(errno));
                return 1;
            }
        }
        printf("woken\n");
        return 0;
    }

    fprintf(stderr, "unknown command %s\n", argv[1]);
    return 1;
}
