using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>
/// Reads and parses an strace log on a second thread, a few batches of events ahead of the
/// replay, so that on two cores reading (about half of a replay's time) overlaps replaying.
/// Events come out in log order. Each batch owns a copy of its events' text, valid until the
/// batch after it is taken (events the consumer says it will not read come without text); an
/// error of the reader (a malformed line) is raised when the events before it have been handed
/// out, as reading on one thread would.
/// </summary>
internal sealed class ReadAhead : IDisposable
{
    /// <summary>Whether the consumer will read an event's text (called on the reading thread).</summary>
    public delegate bool TextFilter(in StraceEvent ev);

    private const int BatchEvents = 2048;
    private const int BatchChars = 1 << 18;
    private const int Batches = 4;

    private readonly TextReader _log;
    private readonly string _fileName;
    private readonly TextFilter? _needsText;
    private readonly BlockingCollection<Batch> _full = new(new ConcurrentQueue<Batch>(), Batches);
    private readonly BlockingCollection<Batch> _free = new(new ConcurrentQueue<Batch>(), Batches);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Batch? _current;
    private int _next;

    /// <summary>
    /// Starts reading <paramref name="log"/> (named <paramref name="fileName"/> in errors); events
    /// for which <paramref name="needsText"/> is false are handed out with empty text.
    /// </summary>
    public ReadAhead(TextReader log, string fileName, TextFilter? needsText = null)
    {
        _log = log;
        _fileName = fileName;
        _needsText = needsText;
        for (int i = 0; i < Batches; i++)
        {
            _free.Add(new Batch());
        }
        _thread = new Thread(Produce) { IsBackground = true, Name = "strace read-ahead" };
        _thread.Start();
    }

    /// <summary>True when a second core is there to read on.</summary>
    public static bool Worthwhile => Environment.ProcessorCount > 1;

    /// <summary>The next event; false at the end of the log. Rethrows the reader's error at its place.</summary>
    public bool TryRead(out StraceEvent ev)
    {
        while (true)
        {
            if (_current is { } batch)
            {
                if (_next < batch.Count)
                {
                    ev = batch.Events[_next++];
                    return true;
                }
                if (batch.Error is { } error)
                {
                    error.Throw();
                }
                if (batch.Last)
                {
                    ev = default;
                    return false;
                }
                _current = null;
                batch.Clear();
                _free.Add(batch);
            }
            _current = _full.Take();
            _next = 0;
        }
    }

    /// <summary>Stops the reading thread (if still running) and waits for it: the log may be closed after this.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _full.Dispose();
        _free.Dispose();
    }

    /// <summary>The reading thread: fills free batches in order until the end of the log, an error, or <see cref="Dispose"/>.</summary>
    private void Produce()
    {
        try
        {
            var reader = new StraceReader(_log, _fileName) { BorrowText = true };
            Batch batch = _free.Take(_stop.Token);
            try
            {
                while (reader.TryRead(out StraceEvent ev))
                {
                    bool text = _needsText is null || _needsText(ev);
                    if (!batch.TryAdd(ev, text))
                    {
                        _full.Add(batch, _stop.Token);
                        batch = _free.Take(_stop.Token);
                        batch.TryAdd(ev, text);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                batch.Error = ExceptionDispatchInfo.Capture(e);
            }
            batch.Last = true;
            _full.Add(batch, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The replay stopped early (an error of its own): nobody reads on.
        }
    }

    /// <summary>Events and the text they point into.</summary>
    private sealed class Batch
    {
        public StraceEvent[] Events { get; } = new StraceEvent[BatchEvents];

        public int Count { get; private set; }

        public ExceptionDispatchInfo? Error { get; set; }

        public bool Last { get; set; }

        private readonly char[] _text = new char[BatchChars];
        private int _used;

        /// <summary>Adds a copy of the event, its text (if wanted) copied into this batch; false (adding nothing) when full.</summary>
        public bool TryAdd(in StraceEvent ev, bool text)
        {
            int chars = text ? ev.Args.Length + ev.ResultText.Length : 0;
            if (Count == Events.Length || (Count > 0 && _used + chars > _text.Length))
            {
                return false;
            }
            Events[Count++] = text ? ev with { Args = Own(ev.Args), ResultText = Own(ev.ResultText) } : ev with { Args = default, ResultText = default };
            return true;
        }

        /// <summary>Forgets the events (their text may be overwritten from now on).</summary>
        public void Clear()
        {
            Array.Clear(Events, 0, Count);
            Count = 0;
            _used = 0;
        }

        /// <summary>A copy of text in this batch's buffer (or, past its room, in a string of its own).</summary>
        private ReadOnlyMemory<char> Own(ReadOnlyMemory<char> text)
        {
            if (text.IsEmpty)
            {
                return default;
            }
            if (_used + text.Length > _text.Length)
            {
                return text.ToArray();
            }
            text.Span.CopyTo(_text.AsSpan(_used));
            ReadOnlyMemory<char> copy = _text.AsMemory(_used, text.Length);
            _used += text.Length;
            return copy;
        }
    }
}
