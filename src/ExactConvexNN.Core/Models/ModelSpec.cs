using System.Globalization;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Models;

/// <summary>The hidden activation of a network family.</summary>
public enum ActivationKind
{
    /// <summary>max(t, 0): the convex program of Pilanci &amp; Ergen over the chambers of the data's arrangement.</summary>
    Relu,
    /// <summary>a t^2 + b t + c with unit-norm first-layer weights: the semidefinite program of Bartan &amp; Pilanci.</summary>
    Poly,
    /// <summary>1[x'g &gt;= 0] x'u with fixed gates g (a different network from ReLU): the unconstrained group lasso over the chambers.</summary>
    GatedRelu,
}

/// <summary>The training loss (its conjugates and conic forms: <see cref="LossFunction"/>). ReLU networks train every loss; the other families the squared loss.</summary>
public enum LossKind
{
    /// <summary>1/2 ||f(X) - Y||_F^2.</summary>
    Squared,
    /// <summary>sum max(0, 1 - y f) with -1/+1 targets (one-vs-rest for K &gt; 2 classes).</summary>
    Hinge,
    /// <summary>sum log(1 + exp(-y f)) for two classes; the cross-entropy logsumexp(f) - f_label for K &gt; 2.</summary>
    Logistic,
    /// <summary>||f(X) - Y||_1.</summary>
    L1,
    /// <summary>sum huber_M(f - y): 1/2 r^2 for |r| &lt;= M, M |r| - M^2/2 beyond (M = <see cref="ModelSpec.HuberDelta"/>).</summary>
    Huber,
}

/// <summary>
/// What network is trained: the family's activation, the architecture (fully connected, or convolutional with an image
/// or signal shape, filter, stride, padding and pooling), the loss, the outputs and classes, the bias and beta. One
/// description for every family; <see cref="ModelRegistry"/> finds the family that trains it.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>Regularization strength beta (&gt;= 0): weight decay beta/2 on both layers (relu), beta ||w||_1 (poly).</summary>
    public required double Beta { get; init; }
    /// <summary>The activation (relu by default).</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.Relu;
    /// <summary>The polynomial a t^2 + b t + c when <see cref="Activation"/> is poly.</summary>
    public PolynomialActivation Poly { get; init; } = PolynomialActivation.Default;
    /// <summary>The loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Squared;
    /// <summary>The Huber loss's threshold M (1 by default).</summary>
    public double HuberDelta { get; init; } = 1.0;
    /// <summary>Fully connected only: append a column of ones to X (a first-layer bias).</summary>
    public bool Bias { get; init; }
    /// <summary>Number of classes K (targets are labels 0..K-1); null for regression on the target column.</summary>
    public int? Classes { get; init; }
    /// <summary>Layers of weights: 2 (one hidden layer, every family) or 3 (ReLU, <see cref="ThreeLayerReluFamily"/>).</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Image or signal geometry for a CNN; null for a fully connected network.</summary>
    public ImageShape? Image { get; init; }
    /// <summary>
    /// ReLU, fully connected, squared loss: one network whose neurons feed every output, f(x) = sum_j (x'u_j)_+ w_j' with
    /// w_j in R^O (<see cref="VectorReluFamily"/>, trained by an SDP relaxation with a bracket on the optimum), instead of O
    /// sub-networks that share nothing but the loss.
    /// </summary>
    public bool VectorOutput { get; init; }
    /// <summary>
    /// ReLU only: batch normalization before the ReLU, over the training batch, with trainable gamma and alpha per neuron
    /// and weight decay on gamma, alpha and the second layer (<see cref="BatchNormReluFamily"/>); fully connected, any
    /// loss and classes, no bias (alpha is the shift).
    /// </summary>
    public bool BatchNorm { get; init; }

    /// <summary>The activation's name in output and files: "relu" or "poly".</summary>
    public string ActivationName => Activation switch { ActivationKind.Poly => "poly", ActivationKind.GatedRelu => "gated_relu", _ => BatchNorm ? BatchNormReluNetwork.ActivationName : "relu" };
    /// <summary>The activation as a formula ("relu(t) = max(t, 0)", "sigma(t) = 0.09 t^2 + 0.5 t + 0.47").</summary>
    public string ActivationFormula => Activation switch
    {
        ActivationKind.Poly => string.Create(CultureInfo.InvariantCulture, $"sigma(t) = {Poly.A:G6} t^2 + {Poly.B:G6} t + {Poly.C:G6}"),
        ActivationKind.GatedRelu => "gated: 1[x'g >= 0] x'u with fixed gates g",
        _ => BatchNorm ? "relu(BN(t)) = max(gamma (t - mean) / ||Xu - mean||_2 + alpha, 0), BN over the training batch" : "relu(t) = max(t, 0)",
    };
    /// <summary>The loss's name in output: squared, hinge, logistic, l1 or huber.</summary>
    public string LossName => LossFunction.Name(Loss);
    /// <summary>Outputs O: 1 for regression and two classes, K for K &gt; 2 classes.</summary>
    public int Outputs => Classes is int k ? ClassTargets.Outputs(k) : 1;

    /// <summary>Checks the values that do not depend on data: beta, the polynomial, the classes, the shape.</summary>
    /// <exception cref="InputException">A value out of range.</exception>
    public ModelSpec Validated()
    {
        if (!double.IsFinite(Beta) || Beta < 0) throw new InputException($"beta must be a finite number >= 0, got {Beta.ToString(CultureInfo.InvariantCulture)}; for example beta 0.01");
        if (!Enum.IsDefined(Activation)) throw new InputException($"unknown activation {Activation}");
        if (Activation == ActivationKind.Poly) Poly.Validated();
        if (Layers is not (2 or 3)) throw new InputException($"ecnn trains networks of 2 or 3 layers, got {Layers}; for deeper CNNs train layer by layer (--layerwise J)");
        if (Layers == 3 && Activation != ActivationKind.Relu) throw new InputException($"three-layer networks are trained with the relu activation, not {ActivationName}");
        if (Classes is int k && k < 2) throw new InputException($"classification needs at least 2 classes, got {k}");
        if (BatchNorm)
        {
            if (Activation != ActivationKind.Relu) throw new InputException($"batch normalization is trained with the relu activation, not {ActivationName}");
            if (Layers != 2) throw new InputException("batch normalization is trained for two-layer networks (one hidden layer)");
            if (Image is not null) throw new InputException("batch normalization is trained for fully connected networks only, not with --image or --signal");
            if (Bias) throw new InputException("batch normalization removes a first-layer bias (it centres x'u); its shift alpha is the bias: drop --bias");
        }
        LossFunction.Validate(this);
        if (VectorOutput)
        {
            if (Activation != ActivationKind.Relu || Layers != 2) throw new InputException($"vector-output networks are two-layer relu networks, not {(Layers == 2 ? ActivationName : $"{Layers}-layer")} ones");
            if (Loss != LossKind.Squared) throw new InputException($"vector-output networks are trained with the squared loss, not {LossName}; drop --loss (with --classes K the targets are one-hot)");
            if (Image is not null) throw new InputException("vector-output networks are fully connected for now; drop --image/--signal");
            if (BatchNorm) throw new InputException("vector-output networks have no batch normalization yet; drop --batch-norm or --vector-output");
        }
        if (Image is not null)
        {
            Image.Validated();
            if (Bias) throw new InputException("a first-layer bias applies to fully connected networks only; a CNN has none");
        }
        return this;
    }

    /// <summary>
    /// The training targets of a data set for this model (n x O): the target column, or the labels encoded for the classes
    /// and the loss (<see cref="LossFunction.Targets"/>). Every class must have a row.
    /// </summary>
    /// <exception cref="InputException">No targets, labels outside 0..K-1, or a class without rows.</exception>
    public double[,] Targets(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; training needs targets (the last column, or a named target)");
        var y = LossFunction.For(this).Targets(data.Y);
        if (Classes is int k) ClassTargets.CheckEveryClass(data.Y, k, data.Source);
        return y;
    }
}
