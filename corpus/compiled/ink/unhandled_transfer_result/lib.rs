//! Payroll: an employer funds the contract and sets monthly salaries; each
//! employee claims the salary for every elapsed period.
//!
//! With `--features vulnerable` the native transfer's result is discarded with
//! `let _ =`, although the period has already been marked as paid: when the
//! transfer fails (contract underfunded, amount below the existential
//! deposit...) the employee's salary is silently lost and `total_paid` is
//! wrong. The remediation propagates the error, which reverts the claim.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod payroll {
    use ink::storage::Mapping;

    const PERIOD_MS: Timestamp = 30 * 24 * 60 * 60 * 1000;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        NotEmployer,
        NotEmployee,
        NothingDue,
        TransferFailed,
    }

    #[derive(Clone)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Employee {
        salary: Balance,
        paid_until: Timestamp,
    }

    #[ink(event)]
    pub struct SalaryPaid {
        #[ink(topic)]
        employee: AccountId,
        amount: Balance,
    }

    #[ink(storage)]
    pub struct Payroll {
        employer: AccountId,
        employees: Mapping<AccountId, Employee>,
        total_paid: Balance,
    }

    impl Payroll {
        #[ink(constructor, payable)]
        pub fn new() -> Self {
            Self {
                employer: Self::env().caller(),
                employees: Mapping::default(),
                total_paid: 0,
            }
        }

        #[ink(message, payable)]
        pub fn fund(&mut self) {}

        #[ink(message)]
        pub fn hire(&mut self, who: AccountId, salary: Balance) -> Result<(), Error> {
            if self.env().caller() != self.employer {
                return Err(Error::NotEmployer);
            }
            let now = self.env().block_timestamp();
            self.employees.insert(who, &Employee { salary, paid_until: now });
            Ok(())
        }

        #[ink(message)]
        pub fn claim(&mut self) -> Result<Balance, Error> {
            let caller = self.env().caller();
            let mut employee = self.employees.get(caller).ok_or(Error::NotEmployee)?;
            let now = self.env().block_timestamp();
            let periods = (now - employee.paid_until) / PERIOD_MS;
            if periods == 0 {
                return Err(Error::NothingDue);
            }
            let amount = employee.salary * Balance::from(periods);
            employee.paid_until += periods * PERIOD_MS;
            self.employees.insert(caller, &employee);
            self.total_paid += amount;

            #[cfg(feature = "vulnerable")]
            let _ = self.env().transfer(caller, amount);
            #[cfg(not(feature = "vulnerable"))]
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;

            self.env().emit_event(SalaryPaid { employee: caller, amount });
            Ok(amount)
        }

        #[ink(message)]
        pub fn total_paid(&self) -> Balance {
            self.total_paid
        }
    }
}
