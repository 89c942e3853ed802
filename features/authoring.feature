Feature: Rule author's journey
  A rule author changes a ruleset in the browser, sees exactly which saved discoveries
  would change, publishes, and the next evaluation uses the new version. A broken ruleset
  never becomes active.

  Background:
    Given the demo ruleset is active as version 1
    And saved discoveries "Mid Co" with volume 7000000 and "Tiny Co" with volume 1000
    And I am logged in as an author

  Scenario: Edit, see an error at its line, fix, test, preview, publish and roll back
    When I save the rules with "annual_volume_usd >= 10_000_000" changed to "annual_volume_usd >= 5_000_00x"
    Then I see a check error at the line of "annual_volume_usd >= 5_000_00x"
    And publishing is refused and version 1 stays active
    When I save the rules with "annual_volume_usd >= 5_000_00x" changed to "annual_volume_usd >= 5_000_000"
    Then I see no check errors
    When I load "Mid Co" into the sandbox and ask why not radar_fraud_teams
    Then the sandbox form shows its volume 7000000 and my draft recommends radar_fraud_teams
    When I run the scenarios
    Then all 2 scenarios pass
    When I preview the impact
    Then only "Mid Co" would change, gaining radar_fraud_teams because of enterprise-volume
    And the impact row of "Mid Co" links to it and shows its segment becoming "Enterprise"
    When I publish the draft with the note "lower the enterprise bar"
    Then version 2 is active
    And the next evaluation of "Mid Co" uses version 2 and recommends radar_fraud_teams
    And the audit log shows the publish with the changed threshold
    When I ask to roll back to version 1
    Then the confirmation shows version 2 active, version 1 to go back to, and "Mid Co" losing its segment
    When I confirm the rollback without a note
    Then the rollback is refused with "Write a note" and version 2 stays active
    When I roll back to version 1 with the note "the fraud team is not ready"
    Then version 3 is active
    And the next evaluation of "Mid Co" uses version 3 and does not recommend radar_fraud_teams
    And the version history and the audit log show the note "the fraud team is not ready"
    When I roll back to version 1 with the note "clicked twice"
    Then I am told version 1 is already active and version 3 stays active

  Scenario: A failing scenario blocks publishing
    When I save the rules with "when: channels contains web" changed to "when: channels contains no_code"
    Then I see no check errors
    When I run the scenarios
    Then the scenario "A web seller gets Checkout" fails
    And publishing is refused and version 1 stays active
    And the refusal lists the scenario "A web seller gets Checkout" of "Demo ruleset" with a link to its line
