using System.Text;
using Mmsim.Strace;

namespace Mmsim.Replay.Tests;

/// <summary>
/// Reading on a second thread hands out the events reading on one thread gives, in order, across
/// batch boundaries (2048 events, 262144 characters of text), and raises a malformed line's error
/// only after every event before it.
/// </summary>
public sealed class ReadAheadTests
{
    [Fact]
    public void SameEventsAsTheReaderAcrossBatches()
    {
        // 5000 calls (two batch boundaries by count) and two long lines (past a batch's text).
        var log = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            log.Append("7 close(").Append(i).Append(") = -1 EBADF (Bad file descriptor)\n");
            if (i % 2500 == 700)
            {
                log.Append("7 write(1, \"").Append('z', 300_000).Append("\", 300000) = 300000\n");
            }
        }
        string text = log.ToString();
        var direct = new StraceReader(new StringReader(text), "t.log");
        using var ahead = new ReadAhead(new StringReader(text), "t.log");
        int n = 0;
        while (direct.TryRead(out StraceEvent expected))
        {
            Assert.True(ahead.TryRead(out StraceEvent ev));
            Assert.Equal(expected.Line, ev.Line);
            Assert.Equal(expected.Name, ev.Name);
            Assert.Equal(expected.Args.ToString(), ev.Args.ToString());
            Assert.Equal(expected.ResultText.ToString(), ev.ResultText.ToString());
            Assert.Equal(expected.Result, ev.Result);
            n++;
        }
        Assert.False(ahead.TryRead(out _));
        Assert.Equal(5002, n);
    }

    [Fact]
    public void EventsWhoseTextIsNotWantedComeWithoutIt()
    {
        const string Log = "7 getdents64(3, [{d_ino=1, d_name=\".\"}], 32768) = 24\n7 close(3) = 0\n";
        using var ahead = new ReadAhead(new StringReader(Log), "t.log", (in StraceEvent e) => e.Name != "getdents64");
        Assert.True(ahead.TryRead(out StraceEvent skipped));
        Assert.Equal("getdents64", skipped.Name);
        Assert.Equal(24, skipped.Result);
        Assert.True(skipped.Args.IsEmpty);
        Assert.True(ahead.TryRead(out StraceEvent kept));
        Assert.Equal("3", kept.Args.ToString());
        Assert.Equal("0", kept.ResultText.ToString());
        Assert.False(ahead.TryRead(out _));
    }

    [Fact]
    public void MalformedLineRaisesAfterTheEventsBeforeIt()
    {
        var log = new StringBuilder();
        for (int i = 0; i < 2500; i++)
        {
            log.Append("7 close(3) = 0\n");
        }
        log.Append("7 close(3 = 0\n7 close(3) = 0\n");
        using var ahead = new ReadAhead(new StringReader(log.ToString()), "bad.log");
        int n = 0;
        var e = Assert.Throws<StraceFormatException>(() =>
        {
            while (ahead.TryRead(out _))
            {
                n++;
            }
        });
        Assert.Equal(2500, n);
        Assert.StartsWith("bad.log:2501:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StoppingEarlyEndsTheReadingThread()
    {
        var log = new StringBuilder();
        for (int i = 0; i < 20_000; i++)
        {
            log.Append("7 close(3) = 0\n");
        }
        var ahead = new ReadAhead(new StringReader(log.ToString()), "t.log");
        Assert.True(ahead.TryRead(out StraceEvent ev));
        Assert.Equal(1, ev.Line);
        ahead.Dispose(); // returns only once the thread, blocked on full batches, has stopped
    }
}
