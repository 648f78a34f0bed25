namespace NetGen;

/// <summary>How initial weights are drawn. Biases always start at zero.</summary>
public enum WeightInitialization
{
    /// <summary>Glorot/Xavier uniform: W ~ U(−r, r) with r = √(6 / (fan_in + fan_out)); suits sigmoid, tanh, identity.</summary>
    XavierUniform = 0,

    /// <summary>He/Kaiming normal: W ~ N(0, 2 / fan_in); suits ReLU and leaky ReLU.</summary>
    HeNormal = 1,

    /// <summary>The lecture notes' "close to the zero vector": W ~ N(0, 0.01²), small weights for small activations.</summary>
    SmallNormal = 2,

    /// <summary>
    /// Each layer by its own activation: <see cref="HeNormal"/> for ReLU and leaky ReLU layers, <see cref="XavierUniform"/>
    /// for every other (sigmoid, tanh, identity, softmax, step). What the trainer draws for a network that has no weights yet.
    /// </summary>
    ByActivation = 3,
}
