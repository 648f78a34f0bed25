using System;

namespace NetGen.Testing;

/// <summary>What code allocates on the calling thread, robust to the runtime's own occasional allocations.</summary>
internal static class Allocations
{
    /// <summary>
    /// The least bytes <paramref name="action"/> allocates on this thread, run <paramref name="repetitions"/> times a
    /// round, over up to five rounds (stopping at a round that allocates nothing). Tiered compilation now and then
    /// allocates on the thread it promotes a method on, once per method and more likely while other processes load the
    /// machine; an allocation the code itself makes shows in every round.
    /// </summary>
    public static long Least(Action action, int repetitions = 100)
    {
        long least = long.MaxValue;
        for (int round = 0; round < 5 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repetitions; i++)
            {
                action();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
