package dev.retune.config;

/**
 * The whole run configuration, one record per YAML section. A missing section takes its defaults; every default lives
 * in the section record's compact constructor.
 *
 * @param model      the model that is fine-tuned
 * @param data       the dataset, segmenting and batching
 * @param adapt      which weights are trained
 * @param optim      the AdamW optimizer
 * @param schedule   the learning rate per step
 * @param precision  compute dtype and fp16 loss scaling
 * @param train      length of training, gradient accumulation and clipping, condition dropout, seed, logging
 * @param eval       validation during training and early stopping
 * @param ema        exponential moving average of the weights
 * @param checkpoint checkpoint interval and retention
 * @param device     where libtorch runs
 * @param kernels    Retune's CUDA kernels on or off, per kernel
 */
public record RetuneConfig(ModelConfig model, DataConfig data, AdaptConfig adapt, OptimConfig optim,
                           ScheduleConfig schedule, PrecisionConfig precision, TrainConfig train, EvalConfig eval,
                           EmaConfig ema, CheckpointConfig checkpoint, DeviceConfig device,
                           KernelsConfig kernels) {

    public RetuneConfig {
        model = model == null ? ModelConfig.defaults() : model;
        data = data == null ? DataConfig.defaults() : data;
        adapt = adapt == null ? AdaptConfig.defaults() : adapt;
        optim = optim == null ? OptimConfig.defaults() : optim;
        schedule = schedule == null ? ScheduleConfig.defaults() : schedule;
        precision = precision == null ? PrecisionConfig.defaults() : precision;
        train = train == null ? TrainConfig.defaults() : train;
        eval = eval == null ? EvalConfig.defaults() : eval;
        ema = ema == null ? EmaConfig.defaults() : ema;
        checkpoint = checkpoint == null ? CheckpointConfig.defaults() : checkpoint;
        device = device == null ? DeviceConfig.defaults() : device;
        kernels = kernels == null ? KernelsConfig.defaults() : kernels;
    }
}
