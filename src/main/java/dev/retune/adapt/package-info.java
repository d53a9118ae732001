/**
 * Which weights train. {@link dev.retune.adapt.FullFineTuning} unfreezes the language model;
 * {@link dev.retune.adapt.Lora} freezes every weight and attaches low-rank adapters to selected Linears through their
 * delta hook, and {@link dev.retune.adapt.PeftAdapter} reads and writes those adapters in Hugging Face PEFT's format.
 * The model package knows nothing of these methods.
 */
package dev.retune.adapt;
