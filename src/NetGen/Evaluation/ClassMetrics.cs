namespace NetGen.Evaluation;

/// <summary>One class's scores, with scikit-learn's definitions and its <c>zero_division=0</c> convention.</summary>
/// <param name="Name">The class's name, or its index as text when the classes have no names.</param>
/// <param name="Precision">TP / (TP + FP): of the samples predicted as this class, the share that are; 0 when none is predicted as it.</param>
/// <param name="Recall">TP / (TP + FN): of the samples of this class, the share found; 0 when the class has no samples.</param>
/// <param name="F1">2 · precision · recall / (precision + recall), their harmonic mean; 0 when both are 0.</param>
/// <param name="Support">The number of samples of this class.</param>
public readonly record struct ClassMetrics(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>Precision, recall and F1 averaged over classes.</summary>
/// <param name="Precision">The averaged precision.</param>
/// <param name="Recall">The averaged recall.</param>
/// <param name="F1">The averaged F1 (the average of the per-class F1 scores, not the F1 of the averages).</param>
public readonly record struct AveragedMetrics(double Precision, double Recall, double F1);
