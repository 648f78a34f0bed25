namespace NetGen.Data;

/// <summary>How <see cref="CsvLoader"/> turns a label column into the targets a network trains on.</summary>
public enum LabelEncoding
{
    /// <summary>One target per class, 1 at the label and 0 elsewhere: for a softmax output layer (any number of classes,
    /// two included). The default.</summary>
    OneHot = 0,

    /// <summary>
    /// One target holding the label itself, 0 or 1: for a binary classifier with one sigmoid output trained on
    /// <see cref="Loss.BinaryCrossEntropy"/>. Needs exactly two classes; a label other than 0 or 1 is an error.
    /// </summary>
    Binary = 1,
}
