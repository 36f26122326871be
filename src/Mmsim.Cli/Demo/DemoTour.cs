namespace Mmsim.Cli.Demo;

/// <summary>The steps of the tour in order, and the printing of one step (heading, quotes, run, corrections).</summary>
internal static class DemoTour
{
    /// <summary>Every step, in the order <c>mmsim demo</c> runs them.</summary>
    public static IReadOnlyList<DemoStep> Steps { get; } =
    [
        new AddressSpaceStep(),
        new SegfaultStep(),
        new MmRefcountStep(),
        new KernelThreadStep(),
        new VmaTreeStep(),
        new MmapMunmapStep(),
        new SleepStep(),
        new GonzoStep(),
        new PageWalkStep(),
        new RssVszStep(),
        new BrkFaultStep(),
    ];

    /// <summary>The step with this id, or null.</summary>
    public static DemoStep? Find(string id)
    {
        foreach (DemoStep s in Steps)
        {
            if (s.Id == id)
            {
                return s;
            }
        }
        return null;
    }

    /// <summary>Prints one step: its heading, the seed's words, the model's run, the corrections.</summary>
    public static DemoScene Run(DemoStep step, int number, TextWriter o)
    {
        string heading = $"{number}. {step.Title}  [{step.Id}]";
        o.WriteLine(heading);
        o.WriteLine(new string('=', heading.Length));
        o.WriteLine();
        foreach (SeedQuote q in step.Quotes)
        {
            o.WriteLine($"  {q.Source}:");
            foreach (string line in Wrap(q.Text, 88))
            {
                o.WriteLine($"    > {line}");
            }
            if (q.English is not null)
            {
                foreach (string line in Wrap("(" + q.English + ")", 88))
                {
                    o.WriteLine($"      {line}");
                }
            }
        }
        o.WriteLine();
        var scene = new DemoScene();
        step.Run(scene, o);
        if (step.Corrections.Count > 0)
        {
            o.WriteLine();
            o.WriteLine("  What Linux 6.18 does where the seed is wrong or dated:");
            foreach (string c in step.Corrections)
            {
                bool first = true;
                foreach (string line in Wrap(c, 86))
                {
                    o.WriteLine((first ? "  - " : "    ") + line);
                    first = false;
                }
            }
        }
        o.WriteLine();
        return scene;
    }

    /// <summary>
    /// Breaks text into lines of at most width columns (a CJK character takes two), at a space or
    /// after a CJK character, whichever came last.
    /// </summary>
    internal static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        int start = 0;
        int cols = 0;
        int lastBreak = -1;
        for (int i = 0; i < text.Length; i++)
        {
            bool wide = text[i] > 0x2e80;
            cols += wide ? 2 : 1;
            if (cols > width && lastBreak > start)
            {
                lines.Add(text[start..lastBreak].TrimEnd());
                start = lastBreak;
                while (start < text.Length && text[start] == ' ')
                {
                    start++;
                }
                i = start - 1;
                cols = 0;
                lastBreak = -1;
                continue;
            }
            if (text[i] == ' ' || wide)
            {
                lastBreak = i + 1;
            }
        }
        lines.Add(text[start..]);
        return lines;
    }
}
