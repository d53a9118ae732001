/**
 * Which weights train. Each method of {@code adapt.method} is one {@link dev.retune.adapt.Adaptation}:
 * {@link dev.retune.adapt.FullFineTuning} and {@link dev.retune.adapt.PartialFineTuning} unfreeze the model's own
 * weights; {@link dev.retune.adapt.Lora} freezes every weight and attaches low-rank adapters to selected Linears through
 * their delta hook ({@link dev.retune.adapt.PeftAdapter} reads and writes them in Hugging Face PEFT's format);
 * {@link dev.retune.adapt.BottleneckAdapters} attaches Houlsby adapters through the decoder layers' branch hooks. The
 * model package knows nothing of these methods.
 */
package dev.retune.adapt;
