-- pgpilot's internal schema: one row the primary keeper updates every loop. Standbys read the replayed
-- row to report how old their view of the primary is, in seconds, next to their lag in bytes.
create table heartbeat (
    id     int primary key check (id = 1),
    keeper text not null,
    epoch  bigint not null,
    beat   timestamptz not null
);
insert into heartbeat (id, keeper, epoch, beat) values (1, '', 0, now());
