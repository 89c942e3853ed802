Feature: Demo ruleset

  Scenario: A web seller gets Checkout
    Given the answers:
      | answer   | value |
      | channels | web   |
    When the recommendation is evaluated
    Then the products include checkout
    And the products exclude terminal, connect

  Scenario: A large seller gets a fraud team
    Given the answers:
      | answer            | value    |
      | annual_volume_usd | 20000000 |
    When the recommendation is evaluated
    Then the products include radar_fraud_teams
    And the risk high_volume_review is flagged with severity high
    And the derived fact segment is enterprise
    And the risk connect_platform_liability is not flagged
