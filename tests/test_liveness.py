"""The liveness kit on its own: heartbeats while busy, and suspicion after silence."""
from coordlab import Agent, Crash, Partition, World
from coordlab.patterns.liveness import HeartbeatSender, SilenceWatch


# --- the heartbeat sender --------------------------------------------------------------
class Beater(Agent):
    """Busy during each ``(start, end)`` window; beats to ``listener`` while busy."""

    def __init__(self, name, windows, interval=0.5, last_beat_when_idle=False):
        super().__init__(name)
        self.windows = windows
        self.busy = False
        self.heartbeat = HeartbeatSender(self, "listener", interval, busy=lambda: self.busy,
                                         body=lambda: round(self.now, 6), last_beat_when_idle=last_beat_when_idle)

    async def run(self):
        for start, end in self.windows:
            await self.sleep(start - self.now)
            self.busy = True
            self.heartbeat.start()
            self.heartbeat.start()  # already beating: still one timer, not two
            await self.sleep(end - self.now)
            self.busy = False


class Listener(Agent):
    daemon = True

    def __init__(self, name="listener"):
        super().__init__(name)
        self.beats = []

    async def on_heartbeat(self, msg):
        self.beats.append(msg.body)


def beats_sent(windows, **options):
    listener = Listener()
    world = World(latency=0.0)
    world.add(Beater("beater", windows, **options), listener)
    world.run()
    return listener.beats


def test_heartbeats_go_every_interval_while_busy_and_stop_once_idle():
    assert beats_sent([(0.0, 1.2)]) == [0.5, 1.0]  # idle at 1.5: no beat then
    assert beats_sent([(0.0, 1.2), (3.0, 4.1)]) == [0.5, 1.0, 3.5, 4.0]  # started again, on a new phase


def test_a_lead_s_last_interval_still_ends_with_a_beat():
    assert beats_sent([(0.0, 1.2)], last_beat_when_idle=True) == [0.5, 1.0, 1.5]


def test_no_interval_means_no_heartbeats():
    assert beats_sent([(0.0, 2.0)], interval=None) == []


# --- the silence watch --------------------------------------------------------------------
class Watcher(Agent):
    """Gives ``peer`` work at ``given_at`` (held until ``done_at``) and watches it."""

    def __init__(self, name, given_at=0.0, done_at=None, suspect_after=2.0, probe=False, give_up_after=30.0):
        super().__init__(name)
        self.given_at, self.done_at = given_at, done_at
        self.has_work = False
        self.suspected, self.taken_back, self.given_up = [], [], []
        self.silence = SilenceWatch(self, ["peer"], suspect_after, has_work=lambda peer: self.has_work,
                                    on_silent=self.on_silent, probe=self.probe if probe else None,
                                    give_up_after=give_up_after, on_lost=self.on_lost)

    async def on_silent(self, peer, silent):
        self.suspected.append((peer, round(self.now, 6), round(silent, 6)))

    async def probe(self, peer):
        await self.send(peer, "probe")

    async def on_lost(self, peer):
        self.given_up.append((peer, round(self.now, 6)))

    async def run(self):
        self.spawn(self.listen())
        await self.sleep(self.given_at)
        self.has_work = True
        self.silence.gave_work("peer", first=True)
        if self.done_at is not None:
            await self.sleep(self.done_at - self.now)
            self.has_work = False

    async def listen(self):
        while True:
            msg = await self.receive()
            if self.silence.heard_from(msg.sender):
                self.taken_back.append((msg.sender, round(self.now, 6)))
            if msg.kind == "register":
                self.silence.registered(msg.sender)


class Peer(Agent):
    """Sends ``ping`` at each of ``times`` (and ``register`` when it starts, if asked); answers probes."""

    def __init__(self, name="peer", times=(), register=False):
        super().__init__(name)
        self.times, self.register = times, register

    async def run(self):
        self.spawn(self.answer_probes())
        if self.register:
            await self.send("watcher", "register")
        for at in self.times:
            await self.sleep(at - self.now)
            await self.send("watcher", "ping")

    async def answer_probes(self):
        while True:
            await self.receive("probe")
            await self.send("watcher", "alive")


def watch(peer, faults=(), **options):
    watcher = Watcher("watcher", **options)
    world = World(latency=0.0, faults=faults)
    world.add(watcher, peer)
    world.run(until=30)
    return watcher


def test_a_silent_peer_with_work_is_suspected_after_suspect_after():
    watcher = watch(Peer(), given_at=1.0)
    assert watcher.suspected == [("peer", 3.0, 2.0)]  # counted from when it was given work, not from t=0
    assert watcher.silence.alive == {"peer": False} and not watcher.silence.watched


def test_signs_of_life_keep_a_busy_peer_unsuspected():
    watcher = watch(Peer(times=[k * 1.5 for k in range(1, 20)]), done_at=25.0)
    assert watcher.suspected == [] and watcher.silence.alive["peer"]


def test_the_silence_is_measured_from_the_last_sign_of_life():
    watcher = watch(Peer(times=[1.5, 2.5]))
    assert watcher.suspected == [("peer", 4.5, 2.0)]


def test_an_idle_peer_is_never_suspected():
    watcher = watch(Peer(), done_at=1.0)
    assert watcher.suspected == [] and not watcher.silence.watched


def test_nobody_is_suspected_without_suspect_after():
    watcher = watch(Peer(), suspect_after=None)
    assert watcher.suspected == [] and not watcher.silence.watched


def test_a_suspected_peer_that_registers_again_is_alive_again():
    watcher = watch(Peer(register=True), faults=[Crash("peer", at=0.5, recover_at=5.0)])
    assert watcher.suspected == [("peer", 2.0, 2.0)] and watcher.silence.alive["peer"]
    assert watcher.silence.heard["peer"] == 5.0


def test_a_wrongly_suspected_peer_that_speaks_again_is_taken_back():
    # Cut off from 1 to 6: suspected at 2; its ping at 7 takes it back (no probes needed).
    watcher = watch(Peer(times=[7.0]), faults=[Partition([["peer"]], at=1.0, heal_at=6.0)], done_at=8.0)
    assert watcher.suspected == [("peer", 2.0, 2.0)]
    assert watcher.taken_back == [("peer", 7.0)] and watcher.silence.alive["peer"]


def test_a_silent_suspect_is_probed_until_it_answers():
    # Suspected at 2 during the partition; probes at 2, 4, 6 are cut; the one at 8 is answered.
    watcher = watch(Peer(), faults=[Partition([["peer"]], at=1.0, heal_at=7.0)], probe=True, done_at=9.0)
    assert watcher.suspected == [("peer", 2.0, 2.0)]
    assert watcher.taken_back == [("peer", 8.0)] and watcher.given_up == []
    assert watcher.silence.maybe_alive("peer") and watcher.silence.alive["peer"]


def test_taken_back_with_work_it_is_watched_again():
    # Back at 8 with work still held, then crashed at 9: suspected again at 10, probed at
    # 10, 12, 14 and 16, and given up at 18, when it has not answered for 8 >= 7 s.
    watcher = watch(Peer(), faults=[Partition([["peer"]], at=1.0, heal_at=7.0), Crash("peer", at=9.0)],
                    probe=True, done_at=25.0, give_up_after=7.0)
    assert watcher.suspected == [("peer", 2.0, 2.0), ("peer", 10.0, 2.0)]
    assert watcher.taken_back == [("peer", 8.0)] and watcher.given_up == [("peer", 18.0)]


def test_a_suspect_that_never_answers_is_given_up_after_give_up_after():
    watcher = watch(Peer(), faults=[Crash("peer", at=0.5)], probe=True, give_up_after=5.0, done_at=25.0)
    assert watcher.suspected == [("peer", 2.0, 2.0)] and watcher.given_up == [("peer", 8.0)]
    assert not watcher.silence.maybe_alive("peer")
