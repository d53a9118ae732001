/**
 * The MusicGen model family over libtorch: the decoder LM, the T5 text encoder, the EnCodec codec, the codebook delay
 * pattern, the loss, and Hugging Face checkpoint I/O. Every block registers its parameters under the Hugging Face
 * names, so a checkpoint maps onto the module tree by name (see {@link dev.retune.model.StateDict}).
 *
 * <p>Shape legend used in comments: B batch, K codebooks, S decoder steps, T codec frames, L text tokens,
 * D hidden size, H heads, hd head dim, V codebook size (card), N audio samples, C audio channels.
 */
package dev.retune.model;
