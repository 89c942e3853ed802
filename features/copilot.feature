Feature: The SA's call with the co-pilot
  On a live call the panel beside the form says which three questions to ask next and why,
  what each answer changed, what we would build, how ready each design area is, and why a
  product is not recommended. A readout made before the key questions are answered says
  which ones are still open first.

  Background:
    Given I am logged in as an SA
    And a discovery for "Maison Pop", a French shop selling on the web to consumers in France, Germany and the Netherlands

  Scenario: Ask, answer, see what changed, ask why not, then create the readout
    Then the panel starts with the 3 questions to ask next, each with why it matters
    And the panel says what we would build
    And "terminal" is not recommended
    When I ask "why not terminal?"
    Then the answer says it would appear if "Sales channels" included "In person"
    When I answer "channels" with "web, in_person"
    Then the panel says my last answer to "Sales channels" added "Stripe Terminal"
    And "terminal" is recommended
    And the readiness of "Payments surface" reads 1 of 4 key questions
    When I create the readout
    Then I am asked to confirm, with "Number of physical locations" among the key questions still open
    When I create it anyway
    Then the readout is created

  Scenario: With every key question answered the readout is created at once
    Given every key question of the discovery is answered
    Then the readiness says every key question is answered
    When I create the readout
    Then the readout is created
