namespace Mmsim.Strace.Tests;

/// <summary>Line splitting does not depend on how the text reader hands out its characters.</summary>
public sealed class LineSourceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void ChunkedReaderGivesTheSameEvents(int chunk)
    {
        string text = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "s11_pthreads", "trace.log"));
        text += "1 write(1, \"" + new string('z', 300_000) + "\", 300000) = 300000\r\n";
        List<StraceEvent> expected = TestUtil.ReadAll(text);
        var reader = new StraceReader(new ChunkedReader(text, chunk), "chunked.log");
        int i = 0;
        while (reader.TryRead(out StraceEvent ev))
        {
            Assert.Equal(expected[i].Line, ev.Line);
            Assert.Equal(expected[i].Kind, ev.Kind);
            Assert.Equal(expected[i].Args.ToString(), ev.Args.ToString());
            Assert.Equal(expected[i].Result, ev.Result);
            i++;
        }
        Assert.Equal(expected.Count, i);
        Assert.Equal(300_000, expected[^1].Result);
    }

    /// <summary>A reader that returns at most a fixed number of characters per call.</summary>
    private sealed class ChunkedReader(string text, int chunk) : TextReader
    {
        private int _pos;

        public override int Read(char[] buffer, int index, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), text.Length - _pos);
            text.CopyTo(_pos, buffer, index, n);
            _pos += n;
            return n;
        }
    }
}
