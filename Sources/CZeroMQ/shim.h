// libzmq plus the POSIX pieces the socket owner thread needs to be woken (eventfd).
#include <zmq.h>
#include <sys/eventfd.h>
#include <unistd.h>
