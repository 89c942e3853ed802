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

  Scenario: Add a country row to a decision table in the grid, preview the impact and publish
    Given the "local" ruleset with the decision table "market-methods" is active as version 1
    And saved discoveries "Warsaw Shop" selling to PL and "Ghent Shop" selling to BE
    When I open the table "market-methods" of "local" in the grid
    Then the grid shows 2 rows
    When I add a row with "contains PL" for "country" and "blikk" for "method" in the grid
    Then the grid shows "unknown product 'blikk' (did you mean 'blik'?)" at row 3, column "method"
    And saving the grid is refused and the draft keeps 2 rows
    When I add a row with "contains PL" for "country" and "blik" for "method" in the grid and save it
    Then the draft of "local" has the row "country: contains PL" and nothing else changed
    When I preview the impact of "local"
    Then only "Warsaw Shop" would change in "local", gaining blik because of market-methods[3]
    When I publish "local" with the note "Polish buyers expect BLIK"
    Then the next evaluation of "Warsaw Shop" with "local" uses version 2, recommends blik and traces it to "table Local methods by buyer country, row 3"

  Scenario: Lower the enterprise threshold in the Parameters form, see the segments change, publish and roll back
    Given the "tuned" ruleset with parameters is active as version 1
    And a saved discovery "Growing Co" with volume 30000000
    When I open the Parameters form of "tuned"
    Then the form shows "Enterprise payment volume" at "50,000,000" with its description and limits
    When I set "Enterprise payment volume" to "500" in the Parameters form of "tuned"
    Then the form refuses it at its field with "$500 is below the minimum, $1,000,000." and the draft of "tuned" is unchanged
    When I set "Enterprise payment volume" to "25,000,000" in the Parameters form of "tuned"
    Then the draft of "tuned" differs from version 1 only in the line "    value: 25_000_000  # the threshold of rule enterprise-volume"
    When I preview the impact of "tuned"
    Then only "Growing Co" would change in "tuned", its segment becoming "Enterprise" and gaining radar_fraud_teams
    When I publish "tuned" with the note "enterprise from $25M"
    Then the next evaluation of "Growing Co" with "tuned" uses version 2 and derives the segment "enterprise"
    When I roll back "tuned" to version 1 with the note "sales wants $50M back"
    Then version 3 of "tuned" is active with the note "sales wants $50M back" in its history and audit log
    And the next evaluation of "Growing Co" with "tuned" uses version 3 and derives no segment
