package dev.retune.evaluate;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Fréchet distance between the Gaussians fitted to two sets of embeddings (FAD when the embeddings are audio's):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½, in float64. Both square roots come from symmetric
 * eigendecompositions (LAPACK's, through libtorch): a covariance is positive semi-definite, so an eigenvalue below 0
 * is round-off (or a singular covariance's zero) and is taken as 0. That is exact for the positive semi-definite
 * matrices these are, and never produces the imaginary parts a general square root of Σ₁Σ₂ does.
 */
public final class FrechetDistance {

    /**
     * A Gaussian fitted to samples.
     *
     * @param mean       μ [D]
     * @param covariance Σ [D, D] row-major, the unbiased estimate (divided by n − 1)
     * @param samples    n, the samples fitted
     */
    public record Gaussian(double[] mean, double[] covariance, long samples) {
        public Gaussian {
            if (covariance.length != (long) mean.length * mean.length) {
                throw new IllegalArgumentException("a covariance of " + covariance.length + " values does not fit a mean of " + mean.length);
            }
        }

        public int dimension() {
            return mean.length;
        }
    }

    private FrechetDistance() {}

    /** The Fréchet distance between {@code a} and {@code b} (of the same dimension); 0 for equal Gaussians up to round-off. */
    public static double between(Gaussian a, Gaussian b) {
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException("Gaussians of dimension " + a.dimension() + " and " + b.dimension());
        }
        int d = a.dimension();
        double meanTerm = 0;
        double traces = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mean()[i] - b.mean()[i];
            meanTerm += diff * diff;
            traces += a.covariance()[i * d + i] + b.covariance()[i * d + i];
        }
        return meanTerm + traces - 2 * traceOfRoot(a.covariance(), b.covariance(), d);
    }

    /** tr (A^½ B A^½)^½ for covariances A and B [d, d]: the sum of the square roots of that product's eigenvalues. */
    static double traceOfRoot(double[] a, double[] b, int d) {
        try (PointerScope scope = new PointerScope()) {
            Tensor rootA = symmetricRoot(HostTensors.of(a, d, d));
            Tensor product = rootA.mm(HostTensors.of(b, d, d)).mm(rootA);
            Tensor symmetric = product.add(product.t()).mul(new Scalar(0.5)); // exact in theory; removes round-off asymmetry
            double[] eigenvalues = HostTensors.values(torch.linalg_eigvalsh(symmetric));
            double trace = 0;
            for (double value : eigenvalues) {
                trace += Math.sqrt(Math.max(value, 0));
            }
            return trace;
        }
    }

    /** M^½ of a symmetric positive semi-definite M: V diag(√max(λ, 0)) Vᵀ. */
    private static Tensor symmetricRoot(Tensor m) {
        T_TensorTensor_T decomposition = torch.linalg_eigh(m);
        Tensor eigenvalues = new Tensor(decomposition.get0()); // owned handles: a tuple's tensors point into the tuple
        Tensor eigenvectors = new Tensor(decomposition.get1());
        Tensor roots = eigenvalues.clamp_min(new Scalar(0.0)).sqrt();
        return eigenvectors.mul(roots.unsqueeze(0)).mm(eigenvectors.t());
    }
}
