/* status.h — what a stream of work (input.c's items, blocks.c's blocks)
 * answers when asked for the next piece. */
#ifndef LANES_STATUS_H
#define LANES_STATUS_H

/* INPUT_AGAIN: nothing yet; wait until the stream's descriptor is
 * readable, fill, and ask again. */
enum input_status { INPUT_ITEM, INPUT_AGAIN, INPUT_END, INPUT_ERROR };

#endif
