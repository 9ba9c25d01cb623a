// libzmq, plus the libc pieces the socket poller thread needs: eventfd (to be woken) and
// mallopt (to keep large message buffers on the heap, see ProcessTuning.swift).
#include <zmq.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <malloc.h>
#include <unistd.h>
