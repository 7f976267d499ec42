# A stand-in for the NEXT release of the callbacks image, for the compose suite's upgrade
# check: the current image plus one more migration (compose-upgrade-probe.migration.ts).
# `up` with this tag must run it in callbacks-migrate before callbacks starts; callbacks
# refuses to start while a migration is pending.
ARG BASE
FROM ${BASE}
USER root
COPY compose-upgrade-probe.migration.ts services/callbacks/src/migrations/
RUN printf "\nimport { composeUpgradeProbe } from './compose-upgrade-probe.migration.js';\nmigrations.push(composeUpgradeProbe);\n" \
    >>services/callbacks/src/migrations/index.ts
USER node
