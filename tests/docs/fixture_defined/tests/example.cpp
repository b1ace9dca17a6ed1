// SPDX-License-Identifier: MIT
// A test named after its rule, as SPEC.md asks: the id is followed by "_".
void M8_newer_arrival_replaces_older_in_hour() {}
