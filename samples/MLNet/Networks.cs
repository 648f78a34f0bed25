using NetGen;

namespace NetGen.Samples.MLNet;

// The main job's digits network (samples/Train): 64 pixels, two ReLU hidden layers with dropout, ten classes.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(128, Activation.ReLU)]
[Dropout(0.8)]
[Dense(64, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class DigitsMlp;

// Iris: four measurements, three species.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisMlp;
