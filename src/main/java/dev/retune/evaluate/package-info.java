/**
 * Did the fine-tune help? Objective scores of models and audio with the model's own codec and LM, nothing downloaded
 * (definitions and pitfalls: docs/evaluation.md). Entry points, one per question:
 * {@link dev.retune.evaluate.HeldOutFit} (held-out cross-entropy of sources, as the trainer validates),
 * {@link dev.retune.evaluate.ClipAnalyzer} and {@link dev.retune.evaluate.AudioEvaluation} (technical metrics per clip,
 * per set), {@link dev.retune.evaluate.CodecEmbeddings} with {@link dev.retune.evaluate.SetDistance} (FAD, FAD∞, KAD
 * between sets), {@link dev.retune.evaluate.PromptAlignment} (PMI and retrieval against the null condition),
 * {@link dev.retune.evaluate.MetadataAgreement} (stated tempo and key against the estimates) and
 * {@link dev.retune.evaluate.AdapterEffect} (base against adapted, all of the above with verdicts);
 * {@link dev.retune.evaluate.Reports} turns any result into a report folder.
 */
package dev.retune.evaluate;
