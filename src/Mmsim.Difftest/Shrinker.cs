namespace Mmsim.Difftest;

/// <summary>
/// Delta debugging (Zeller's ddmin) over a program's calls: removes ever smaller chunks of calls
/// while the program still fails, so what is left is a program from which no single call can be
/// taken away. A chunk is removed with every call that depends on it (<see cref="DiffProgram.Without"/>),
/// so each candidate is a valid program.
/// </summary>
public static class Shrinker
{
    /// <summary>
    /// The smallest failing program found from <paramref name="program"/> (which must fail) within
    /// <paramref name="maxRuns"/> calls of <paramref name="fails"/>; <paramref name="runs"/> counts them.
    /// </summary>
    public static DiffProgram Shrink(DiffProgram program, Func<DiffProgram, bool> fails, int maxRuns, out int runs)
    {
        runs = 0;
        DiffProgram current = program;
        int n = 2;
        while (current.Calls.Count >= 2 && runs < maxRuns)
        {
            List<int> ids = Ids(current);
            int chunk = (ids.Count + n - 1) / n;
            bool reduced = false;
            for (int start = 0; start < ids.Count && runs < maxRuns; start += chunk)
            {
                var removed = new HashSet<int>(ids.GetRange(start, Math.Min(chunk, ids.Count - start)));
                DiffProgram candidate = current.Without(removed);
                if (candidate.Calls.Count == current.Calls.Count)
                {
                    continue;
                }
                runs++;
                if (fails(candidate))
                {
                    current = candidate;
                    reduced = true;
                    break;
                }
            }
            if (reduced)
            {
                n = Math.Max(n - 1, 2);
                continue;
            }
            if (n >= ids.Count)
            {
                break;
            }
            n = Math.Min(n * 2, ids.Count);
        }
        return current;
    }

    private static List<int> Ids(DiffProgram p)
    {
        var ids = new List<int>(p.Calls.Count);
        foreach (DiffCall c in p.Calls)
        {
            ids.Add(c.Id);
        }
        return ids;
    }
}
